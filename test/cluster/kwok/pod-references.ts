// What a kubelet checks before it starts a pod's containers, and the status it reports when a
// Secret or ConfigMap the pod needs is missing. kwok's stages see only the pod itself, so the
// reference checker (reference-checker.ts) asks this with what the API server holds. Pure.

/** The parts of a pod the check reads (plain JSON as the API server returns it). */
export type PodLike = {
  metadata: { name: string; namespace?: string };
  spec?: {
    containers?: ContainerLike[];
    initContainers?: ContainerLike[];
    volumes?: VolumeLike[];
  };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
};
type ContainerStatus = { name: string; state?: { waiting?: { reason?: string }; [state: string]: unknown } };
type PodCondition = { type: string; status: string; reason?: string; message?: string };
type KeyRef = { name?: string; key: string; optional?: boolean };
type SourceRef = { name?: string; optional?: boolean };
type ContainerLike = {
  name: string;
  image?: string;
  env?: { name: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }[];
  envFrom?: { secretRef?: SourceRef; configMapRef?: SourceRef }[];
};
type ItemsRef = SourceRef & { items?: { key: string }[] };
type VolumeLike = {
  name: string;
  secret?: { secretName?: string; optional?: boolean; items?: { key: string }[] };
  configMap?: ItemsRef;
  projected?: { sources?: { secret?: ItemsRef; configMap?: ItemsRef }[] };
};

export type RefKind = 'Secret' | 'ConfigMap';
/** The keys of a Secret's or ConfigMap's data, or undefined when the object does not exist. */
export type LookUp = (kind: RefKind, namespace: string, name: string) => ReadonlySet<string> | undefined;

/** Why a container cannot be created, worded as the kubelet words it. */
export type Blocker = {
  /** CreateContainerConfigError (env) or ContainerCreating (a volume that cannot be mounted). */
  reason: 'CreateContainerConfigError' | 'ContainerCreating';
  message: string;
};

const lower = (kind: RefKind) => (kind === 'Secret' ? 'secret' : 'configmap');

function keyProblem(look: LookUp, ns: string, kind: RefKind, ref: KeyRef): string | undefined {
  if (ref.optional || !ref.name) return undefined;
  const keys = look(kind, ns, ref.name);
  if (!keys) return `${lower(kind)} "${ref.name}" not found`;
  return keys.has(ref.key) ? undefined : `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`;
}

function sourceProblem(look: LookUp, ns: string, kind: RefKind, ref: ItemsRef): string | undefined {
  if (ref.optional || !ref.name) return undefined;
  const keys = look(kind, ns, ref.name);
  if (!keys) return `${lower(kind)} "${ref.name}" not found`;
  const absent = (ref.items ?? []).find((item) => !keys.has(item.key));
  if (!absent) return undefined;
  return kind === 'Secret'
    ? `references non-existent secret key: ${absent.key}`
    : `configmap references non-existent config key: ${absent.key}`;
}

/** The first missing reference of each container (volumes first: they block every container). */
export function podBlockers(pod: PodLike, look: LookUp): Map<string, Blocker> {
  const ns = pod.metadata.namespace ?? 'default';
  const spec = pod.spec ?? {};
  const blockers = new Map<string, Blocker>();
  const volumeProblem = (spec.volumes ?? [])
    .map((v) => {
      const problems = [
        v.secret ? sourceProblem(look, ns, 'Secret', { ...v.secret, name: v.secret.secretName }) : undefined,
        v.configMap ? sourceProblem(look, ns, 'ConfigMap', v.configMap) : undefined,
        ...(v.projected?.sources ?? []).flatMap((s) => [
          s.secret ? sourceProblem(look, ns, 'Secret', s.secret) : undefined,
          s.configMap ? sourceProblem(look, ns, 'ConfigMap', s.configMap) : undefined,
        ]),
      ];
      const problem = problems.find((p) => p !== undefined);
      return problem ? `MountVolume.SetUp failed for volume "${v.name}" : ${problem}` : undefined;
    })
    .find((p) => p !== undefined);
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    if (volumeProblem) {
      blockers.set(c.name, { reason: 'ContainerCreating', message: volumeProblem });
      continue;
    }
    const problem =
      (c.envFrom ?? [])
        .map((e) =>
          e.secretRef
            ? sourceProblem(look, ns, 'Secret', e.secretRef)
            : e.configMapRef
              ? sourceProblem(look, ns, 'ConfigMap', e.configMapRef)
              : undefined,
        )
        .find((p) => p !== undefined) ??
      (c.env ?? [])
        .map((e) =>
          e.valueFrom?.secretKeyRef
            ? keyProblem(look, ns, 'Secret', e.valueFrom.secretKeyRef)
            : e.valueFrom?.configMapKeyRef
              ? keyProblem(look, ns, 'ConfigMap', e.valueFrom.configMapKeyRef)
              : undefined,
        )
        .find((p) => p !== undefined);
    if (problem) blockers.set(c.name, { reason: 'CreateContainerConfigError', message: problem });
  }
  return blockers;
}

/**
 * The pod condition that marks a pod held by the checker. Our kwok stage
 * `storefront-missing-reference` matches it and keeps kwok's "pod-ready" away from the pod.
 */
export const HELD_CONDITION = 'storefront.test/ReferencesResolved';

export function isHeld(pod: PodLike): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === HELD_CONDITION && c.status === 'False');
}

/**
 * Whether the pod already shows exactly the hold for these blockers. Not only the marker: kwok may
 * apply a stage it chose from an older copy of the pod just after the hold was written, which
 * merges "Ready" and a running state into it; then the hold must be written again.
 */
export function heldAsWanted(pod: PodLike, blockers: Map<string, Blocker>): boolean {
  const status = pod.status ?? {};
  const conditions = status.conditions ?? [];
  const first = [...blockers.values()][0];
  const marker = conditions.find((c) => c.type === HELD_CONDITION);
  if (marker?.status !== 'False' || marker.message !== first?.message) return false;
  if (status.phase !== 'Pending') return false;
  if (conditions.some((c) => (c.type === 'Ready' || c.type === 'ContainersReady') && c.status !== 'False'))
    return false;
  const statuses = [...(status.containerStatuses ?? []), ...(status.initContainerStatuses ?? [])];
  return [...blockers].every(([name, b]) => {
    const state = statuses.find((c) => c.name === name)?.state ?? {};
    return Object.keys(state).length === 1 && state.waiting?.reason === b.reason;
  });
}

/** The pod's status while a reference is missing, as a kubelet reports it (a whole-list merge patch). */
export function heldStatus(
  pod: PodLike,
  blockers: Map<string, Blocker>,
  now: string,
): Record<string, unknown> {
  const spec = pod.spec ?? {};
  const statuses = (containers: ContainerLike[]) =>
    containers.map((c) => {
      const b = blockers.get(c.name);
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: '',
        ready: false,
        restartCount: 0,
        started: false,
        state: { waiting: b ? { reason: b.reason, message: b.message } : { reason: 'PodInitializing' } },
      };
    });
  const init = spec.initContainers ?? [];
  const initBlocked = init.some((c) => blockers.has(c.name));
  const unready = (spec.containers ?? []).map((c) => c.name).join(' ');
  const first = [...blockers.values()][0];
  const cond = (type: string, status: string, reason?: string, message?: string) => ({
    type,
    status,
    lastTransitionTime: now,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  return {
    phase: 'Pending',
    conditions: [
      cond('PodScheduled', 'True'),
      initBlocked
        ? cond(
            'Initialized',
            'False',
            'ContainersNotInitialized',
            `containers with incomplete status: [${init.map((c) => c.name).join(' ')}]`,
          )
        : cond('Initialized', 'True'),
      cond('Ready', 'False', 'ContainersNotReady', `containers with unready status: [${unready}]`),
      cond('ContainersReady', 'False', 'ContainersNotReady', `containers with unready status: [${unready}]`),
      cond(HELD_CONDITION, 'False', first?.reason, first?.message),
    ],
    containerStatuses: statuses(spec.containers ?? []),
    ...(init.length ? { initContainerStatuses: statuses(init) } : {}),
  };
}

/**
 * Back to a freshly scheduled pod: kwok's "pod-ready" stage then starts it as it starts any pod.
 * The addresses go too: that stage merges its pod IP into `podIPs`, and a second IP of the same
 * family (from a start before the hold) is refused by the API server.
 */
export function releasedStatus(now: string): Record<string, unknown> {
  return {
    phase: 'Pending',
    conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: now }],
    containerStatuses: null,
    initContainerStatuses: null,
    podIP: null,
    podIPs: null,
    hostIP: null,
    hostIPs: null,
    startTime: null,
  };
}
