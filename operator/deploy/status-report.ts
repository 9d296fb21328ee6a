// `storefront status NAME` for every Storefront: a CLI release (conditions computed live, as
// --wait judges them) or a Storefront applied with kubectl (the conditions its operator wrote).
// Either way it shows what `kubectl cnpg status` users expect: each component's replicas, images
// and pods, the migration Job, the URL and recent Warning events about the Storefront's objects.
import type { Condition, Storefront } from '../api/types.ts';
import { withDefaults } from '../api/validate.ts';
import type { KubeObject } from '../core/object.ts';
import { observe } from '../observe/children.ts';
import { getReader } from '../observe/reader.ts';
import { names } from '../render/names.ts';
import { computeStatus, storefrontUrl } from '../status/conditions.ts';
import type { DeployContext } from './context.ts';
import { DeployError } from './errors.ts';
import { liveStorefront } from './queries.ts';

/** How many Warning events the report keeps (newest first). */
const MAX_WARNINGS = 10;

export interface ReportCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
  /** Only when the operator recorded it: a live computation cannot know when a condition changed. */
  lastTransitionTime?: string;
}

export interface PodInfo {
  name: string;
  phase: string;
  ready: string;
  restarts: number;
  node: string;
  started?: string;
}

export interface ComponentInfo {
  component: string;
  kind: string;
  name: string;
  replicas: { desired: number; ready: number; updated: number };
  images: string[];
  pods: PodInfo[];
}

export interface StatusReportData {
  name: string;
  namespace: string;
  /** `release` (storefront install) or `operator` (a Storefront object reconciled by the operator). */
  managedBy: 'release' | 'operator';
  release?: {
    revision: number;
    status: string;
    description: string;
    lastDeployed: string;
    appliedBy: string;
  };
  observedGeneration?: number;
  generation?: number;
  url: string;
  conditions: ReportCondition[];
  components: ComponentInfo[];
  migration: { job: string; state: 'Complete' | 'Failed' | 'Running' | 'NotFound'; message?: string };
  warnings: { time: string; object: string; reason: string; message: string; count: number }[];
}

type Workload = KubeObject & {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: PodTemplate };
  status?: { readyReplicas?: number; updatedReplicas?: number };
};
type PodTemplate = { spec?: { containers?: { image?: string }[]; initContainers?: { image?: string }[] } };
type Pod = KubeObject & {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    startTime?: string;
    containerStatuses?: { ready?: boolean; restartCount?: number }[];
  };
};
type Job = KubeObject & {
  status?: {
    succeeded?: number;
    failed?: number;
    active?: number;
    conditions?: { type: string; status: string; message?: string }[];
  };
};
type CoreEvent = KubeObject & {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  involvedObject?: { kind?: string; name?: string };
};

const podInfo = (p: Pod): PodInfo => {
  const cs = p.status?.containerStatuses ?? [];
  return {
    name: p.metadata.name!,
    phase: p.status?.phase ?? 'Unknown',
    ready: `${cs.filter((c) => c.ready).length}/${cs.length}`,
    restarts: cs.reduce((n, c) => n + (c.restartCount ?? 0), 0),
    node: p.spec?.nodeName ?? '',
    ...(p.status?.startTime ? { started: p.status.startTime } : {}),
  };
};

async function component(ctx: DeployContext, namespace: string, w: Workload): Promise<ComponentInfo> {
  const selector = w.spec?.selector?.matchLabels ?? {};
  const { items } = await ctx.client.list<Pod>({
    apiVersion: 'v1',
    kind: 'Pod',
    namespace,
    labelSelector: selector,
  });
  const tpl = w.spec?.template?.spec;
  return {
    component: w.metadata.labels?.['app.kubernetes.io/component'] ?? w.metadata.name!,
    kind: w.kind,
    name: w.metadata.name!,
    replicas: {
      desired: w.spec?.replicas ?? 1,
      ready: w.status?.readyReplicas ?? 0,
      updated: w.status?.updatedReplicas ?? 0,
    },
    images: [
      ...new Set([...(tpl?.initContainers ?? []), ...(tpl?.containers ?? [])].map((c) => c.image ?? '')),
    ],
    pods: items.map(podInfo).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function migrationOf(job: Job | undefined, name: string): StatusReportData['migration'] {
  if (!job) return { job: name, state: 'NotFound' };
  const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) return { job: name, state: 'Failed', ...(failed.message ? { message: failed.message } : {}) };
  if ((job.status?.succeeded ?? 0) > 0) return { job: name, state: 'Complete' };
  return { job: name, state: 'Running' };
}

async function warnings(ctx: DeployContext, sf: Storefront, namespace: string) {
  const own = sf.metadata.name;
  const { items } = await ctx.client.list<CoreEvent>({
    apiVersion: 'v1',
    kind: 'Event',
    namespace,
    fieldSelector: 'type=Warning',
  });
  const time = (e: CoreEvent) => e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '';
  return items
    .filter((e) => {
      const n = e.involvedObject?.name ?? '';
      // Every child is named `<name>-…` (or `data-<name>-postgres-0`); the Storefront is `<name>`.
      return n === own || n.startsWith(`${own}-`) || n.startsWith(`data-${own}-`);
    })
    .sort((a, b) => time(b).localeCompare(time(a)))
    .slice(0, MAX_WARNINGS)
    .map((e) => ({
      time: time(e),
      object: `${e.involvedObject?.kind}/${e.involvedObject?.name}`,
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
    }));
}

const plain = (c: Condition, keepTime: boolean): ReportCondition => ({
  type: c.type,
  status: c.status,
  reason: c.reason,
  message: c.message,
  ...(keepTime && c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
});

export async function statusReport(ctx: DeployContext, name: string, now: Date): Promise<StatusReportData> {
  const namespace = ctx.namespace;
  const [history, object] = await Promise.all([
    ctx.store.history(namespace, name),
    liveStorefront(ctx, name),
  ]);
  const latest = history.at(-1)?.release;
  if (!latest && !object)
    throw new DeployError(
      `no release or Storefront named ${name} in namespace ${namespace} (storefront list -A and kubectl get storefronts -A show what exists)`,
    );
  let sf: Storefront;
  let conditions: ReportCondition[];
  // One read of the children, by observe/ (what the operator and --wait read too).
  const reader = getReader(ctx.client);
  let base: Pick<StatusReportData, 'managedBy' | 'release' | 'observedGeneration' | 'generation'>;
  let observed: Awaited<ReturnType<typeof observe>>;
  if (latest) {
    sf = latest.spec;
    // No one records a release's conditions: compute them now, as --wait does, without times.
    observed = await observe(reader, sf, namespace);
    const live = computeStatus(sf, observed, now);
    conditions = (live.conditions ?? []).map((c) => plain(c, false));
    base = {
      managedBy: 'release',
      release: {
        revision: latest.revision,
        status: latest.status,
        description: latest.description,
        lastDeployed: latest.lastDeployed,
        appliedBy: `${latest.appliedBy.user}@${latest.appliedBy.host} (storefront ${latest.appliedBy.cliVersion})`,
      },
    };
  } else {
    const o = object as Storefront & KubeObject;
    sf = withDefaults({ ...o, metadata: { ...o.metadata, namespace } });
    conditions = (o.status?.conditions ?? []).map((c) => plain(c, true));
    base = {
      managedBy: 'operator',
      ...(o.status?.observedGeneration !== undefined
        ? { observedGeneration: o.status.observedGeneration }
        : {}),
      ...(o.metadata.generation !== undefined ? { generation: o.metadata.generation } : {}),
    };
    observed = await observe(reader, sf, namespace);
  }
  const n = names(sf);
  const children = [...observed.children.values()] as unknown as KubeObject[];
  const workloads = children.filter((c) => c.kind === 'Deployment' || c.kind === 'StatefulSet') as Workload[];
  const job = observed.children.get(`Job/${n.migration}`) as unknown as Job | undefined;
  const [components, events] = await Promise.all([
    Promise.all(workloads.map((w) => component(ctx, namespace, w))),
    warnings(ctx, sf, namespace),
  ]);
  return {
    name,
    namespace,
    ...base,
    url: storefrontUrl(sf),
    conditions,
    components,
    migration: migrationOf(job, n.migration),
    warnings: events,
  };
}

const age = (since: string | undefined, now: Date): string => {
  if (!since) return '';
  const s = Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
};

/** Pure: the human view of a report (colour only when asked). */
export function formatStatus(r: StatusReportData, color: boolean, now: Date): string {
  const paint = (t: string, code: number) => (color ? `\u001b[${code}m${t}\u001b[0m` : t);
  const state = (s: string) => (s === 'True' ? paint(s, 32) : s === 'False' ? paint(s, 31) : paint(s, 33));
  const lines = [`NAME: ${r.name}`, `NAMESPACE: ${r.namespace}`];
  if (r.release) {
    lines.push(
      `MANAGED BY: storefront release, revision ${r.release.revision} (${r.release.status}: ${r.release.description})`,
      `LAST DEPLOYED: ${r.release.lastDeployed} by ${r.release.appliedBy}`,
    );
  } else {
    const lag =
      r.generation !== undefined && r.observedGeneration !== r.generation
        ? ` — the operator has not yet observed generation ${r.generation} (it last saw ${r.observedGeneration ?? 'none'})`
        : '';
    lines.push(`MANAGED BY: the Storefront operator${lag}`);
  }
  lines.push(`URL: ${r.url}`, 'CONDITIONS:');
  if (!r.conditions.length) lines.push('  (none reported yet: is the operator running?)');
  for (const c of r.conditions) {
    const since = c.lastTransitionTime ? ` (${age(c.lastTransitionTime, now)})` : '';
    lines.push(
      `  ${c.type.padEnd(14)} ${state(c.status).padEnd(color ? 14 : 5)} ${c.reason}${since}: ${c.message}`,
    );
  }
  lines.push('COMPONENTS:');
  if (!r.components.length) lines.push('  (no workloads found)');
  for (const c of r.components) {
    lines.push(
      `  ${c.component} (${c.kind}/${c.name}): ${c.replicas.ready}/${c.replicas.desired} ready, ${c.replicas.updated} up to date; image ${c.images.join(', ')}`,
    );
    for (const p of c.pods)
      lines.push(
        `    ${p.name}  ${p.phase}  ${p.ready} ready  ${p.restarts} restarts  ${age(p.started, now)}${p.node ? `  on ${p.node}` : ''}`,
      );
  }
  const m = r.migration;
  lines.push(
    `MIGRATION: Job/${m.job} ${m.state === 'Failed' ? paint(m.state, 31) : m.state}${m.message ? `: ${m.message}` : ''}`,
  );
  lines.push(`RECENT WARNINGS:${r.warnings.length ? '' : ' none'}`);
  for (const w of r.warnings)
    lines.push(
      `  ${age(w.time, now).padStart(4)} ago  ${w.object}  ${paint(w.reason, 33)}${w.count > 1 ? ` (x${w.count})` : ''}: ${w.message}`,
    );
  return lines.join('\n');
}
