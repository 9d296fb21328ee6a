// The kubelet's reference check for kwok's fake nodes, as a control-plane component (see
// components.ts): kwok's stages cannot look up other objects, so without this a pod whose Secret
// or ConfigMap does not exist turns Ready all the same. This process watches pods, Secrets,
// ConfigMaps and nodes through the real API server; a pod on a fake node that references a
// missing object (env, envFrom, volumes) gets the status a kubelet would give it
// (CreateContainerConfigError, or ContainerCreating for a volume) plus a condition our kwok stage
// `storefront-missing-reference` holds it by; once the object exists the pod goes back to
// "scheduled" and kwok starts it. Usage: node reference-checker.ts --kubeconfig FILE
import { parseArgs } from 'node:util';
import type { KubeObject } from '../../../operator/core/object.ts';
import { createKubeClient } from '../../../operator/kube/client.ts';
import { Informer } from '../../../operator/kube/informer.ts';
import { fakeNodeAnnotation } from '../components.ts';
import {
  heldAsWanted,
  heldStatus,
  isHeld,
  type LookUp,
  type PodLike,
  podBlockers,
  releasedStatus,
} from './pod-references.ts';

type Pod = PodLike & KubeObject & { spec?: { nodeName?: string }; status?: { phase?: string } };

const log = (msg: string, fields: object = {}) =>
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg, ...fields })}\n`);

const { values } = parseArgs({ options: { kubeconfig: { type: 'string' } } });
const client = createKubeClient(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {});

/** Only the keys of a Secret's or ConfigMap's data are kept: values are never needed (nor held). */
const keysOnly = (obj: KubeObject): KubeObject => {
  const o = obj as KubeObject & { data?: object; binaryData?: object; stringData?: object };
  const keys = [...Object.keys(o.data ?? {}), ...Object.keys(o.binaryData ?? {})];
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace },
    data: Object.fromEntries(keys.map((k) => [k, ''])),
  } as KubeObject;
};

const pods = new Informer<Pod>(client, { apiVersion: 'v1', kind: 'Pod' });
const secrets = new Informer(client, { apiVersion: 'v1', kind: 'Secret', transform: keysOnly });
const configMaps = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap', transform: keysOnly });
const fakeNodes = new Informer(client, {
  apiVersion: 'v1',
  kind: 'Node',
  keep: (n) => n.metadata.annotations?.[fakeNodeAnnotation] === 'fake',
});

const look: LookUp = (kind, namespace, name) => {
  const obj = (kind === 'Secret' ? secrets : configMaps).get(namespace, name) as
    | (KubeObject & { data?: object })
    | undefined;
  return obj ? new Set(Object.keys(obj.data ?? {})) : undefined;
};

// A set of pod keys and one worker: each pod is looked at with the caches as they are by then.
const pending = new Set<string>();
let draining = false;
const enqueue = (namespace: string, name: string) => {
  pending.add(`${namespace}/${name}`);
  if (!draining) void drain();
};

async function drain(): Promise<void> {
  draining = true;
  try {
    while (pending.size > 0) {
      const key = pending.values().next().value!;
      pending.delete(key);
      const [namespace, name] = key.split('/') as [string, string];
      try {
        await check(namespace, name);
      } catch (err) {
        const status = (err as { status?: number; statusCode?: number }).status;
        if (status === 404 || status === 409) continue; // gone, or changed: its next event brings it back
        log('check failed; retrying in 1s', { pod: key, error: (err as Error).message });
        setTimeout(() => enqueue(namespace, name), 1000).unref();
      }
    }
  } finally {
    draining = false;
  }
}

async function check(namespace: string, name: string): Promise<void> {
  const pod = pods.get(namespace, name);
  if (!pod || pod.metadata.deletionTimestamp) return;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return;
  const node = pod.spec?.nodeName;
  if (!node || !fakeNodes.get(undefined, node)) return;
  const blockers = podBlockers(pod, look);
  const ref = { apiVersion: 'v1', kind: 'Pod', namespace, name };
  const now = new Date().toISOString();
  if (blockers.size > 0) {
    if (heldAsWanted(pod, blockers)) return;
    const first = [...blockers.values()][0]!;
    await client.patchStatus(ref, heldStatus(pod, blockers, now), {
      fieldManager: 'storefront-reference-checker',
      ...(pod.metadata.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}),
    });
    log('holding pod: a reference is missing', { pod: `${namespace}/${name}`, ...first });
  } else if (isHeld(pod)) {
    await client.patchStatus(ref, releasedStatus(now), {
      fieldManager: 'storefront-reference-checker',
      ...(pod.metadata.resourceVersion ? { resourceVersion: pod.metadata.resourceVersion } : {}),
    });
    log('releasing pod: its references exist now', { pod: `${namespace}/${name}` });
  }
}

const recheckNamespace = (obj: KubeObject) => {
  const ns = obj.metadata.namespace;
  if (ns) for (const pod of pods.list(ns)) enqueue(ns, pod.metadata.name!);
};
pods.on({
  add: (p) => enqueue(p.metadata.namespace!, p.metadata.name!),
  update: (_, p) => enqueue(p.metadata.namespace!, p.metadata.name!),
});
for (const informer of [secrets, configMaps]) {
  informer.on({ add: recheckNamespace, update: (_, o) => recheckNamespace(o), delete: recheckNamespace });
}
fakeNodes.on({
  add: (n) => {
    for (const pod of pods.list())
      if (pod.spec?.nodeName === n.metadata.name) enqueue(pod.metadata.namespace!, pod.metadata.name!);
  },
});

// Caches first, pods last: a pod is never judged against a Secret cache that has not listed yet.
for (const informer of [secrets, configMaps, fakeNodes]) informer.start();
await Promise.all([secrets.synced, configMaps.synced, fakeNodes.synced]);
pods.start();
await pods.synced;
log('watching pods on fake nodes for missing Secrets and ConfigMaps');

const stop = async () => {
  await Promise.all([pods, secrets, configMaps, fakeNodes].map((i) => i.stop()));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
