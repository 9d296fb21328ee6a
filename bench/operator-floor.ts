// The cluster's floor for the operator scale benchmark: the objects the operator would write for N
// Storefronts — rendered by the same render() with credentials and a self-signed certificate made
// up front — applied straight with server-side apply, no operator, no Storefront objects (what
// `kubectl apply --server-side` of `storefront template --include-secrets` output would do). Time
// runs until the same readiness the operator reports (computeStatus over the same children) holds
// for all of them.
import type { Storefront } from '../operator/api/types.ts';
import { withDefaults } from '../operator/api/validate.ts';
import type { KubeObject } from '../operator/core/object.ts';
import { applyAll } from '../operator/kube/apply-all.ts';
import type { KubeClient } from '../operator/kube/client.ts';
import { readinessChildren } from '../operator/observe/children.ts';
import { ownedKind } from '../operator/observe/owned-kinds.ts';
import { ensureSelfSignedTls } from '../operator/observe/self-signed-tls.ts';
import { frontDoorHosts } from '../operator/render/front-door.ts';
import { generateCredential, requiredCredentials } from '../operator/render/inputs.ts';
import { render } from '../operator/render/render.ts';
import { childKey, computeStatus, type ObservedChild } from '../operator/status/conditions.ts';

/** The Storefront the benchmark creates as number `i` (the operator run and the floor use the same). */
export function benchStorefront(namespace: string, i: number) {
  return {
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: `s${i}`, namespace },
    spec: { host: `s${i}.bench.example.com` },
  };
}

export interface FloorFleet {
  storefronts: Storefront[];
  /** Rendered objects per Storefront, in the same order. */
  objects: KubeObject[][];
}

/** Renders N Storefronts' objects, every input (credentials, TLS) made now, before timing starts. */
export async function renderFleet(namespace: string, n: number): Promise<FloorFleet> {
  const storefronts: Storefront[] = [];
  const objects: KubeObject[][] = [];
  const now = new Date();
  for (let i = 0; i < n; i++) {
    const sf = withDefaults(benchStorefront(namespace, i) as Parameters<typeof withDefaults>[0]);
    const credentials = Object.fromEntries(requiredCredentials(sf).map((k) => [k, generateCredential()]));
    const tls =
      sf.spec.ingress.tls.mode === 'selfSigned'
        ? (await ensureSelfSignedTls(sf.metadata.name, frontDoorHosts(sf), undefined, now)).material
        : undefined;
    storefronts.push(sf);
    objects.push(render(sf, { namespace, credentials, ...(tls ? { tls } : {}) }));
  }
  return { storefronts, objects };
}

/** Applies every Storefront's objects in dependency order, `concurrency` Storefronts at a time. */
export async function applyFleet(client: KubeClient, fleet: FloorFleet, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < fleet.objects.length) {
      const objects = fleet.objects[next++]!;
      await applyAll(client, objects, { fieldManager: 'storefront-floor', force: true });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** How many of the fleet are Ready by the operator's own rule, read from one list per kind. */
export async function floorReady(client: KubeClient, fleet: FloorFleet, namespace: string): Promise<number> {
  const kinds = [...new Set(fleet.storefronts.flatMap((sf) => readinessChildren(sf).map(([kind]) => kind)))];
  const live = new Map<string, ObservedChild>();
  for (const kind of kinds) {
    const { apiVersion } = ownedKind(kind);
    if (!(await client.resourceFor(apiVersion, kind))) continue;
    // Only TLS Secrets carry readiness; a field selector keeps the credential Secrets off the wire.
    const fieldSelector = kind === 'Secret' ? 'type=kubernetes.io/tls' : undefined;
    const { items } = await client.list({
      apiVersion,
      kind,
      namespace,
      ...(fieldSelector ? { fieldSelector } : {}),
    });
    for (const item of items) live.set(childKey(kind, item.metadata.name!), item as unknown as ObservedChild);
  }
  const now = new Date();
  let ready = 0;
  for (const sf of fleet.storefronts) {
    const children = new Map<string, ObservedChild>();
    for (const [kind, name] of readinessChildren(sf)) {
      const child = live.get(childKey(kind, name));
      if (child) children.set(childKey(kind, name), child);
    }
    const status = computeStatus(sf, { children, missingApis: new Set(), missingSecrets: [] }, now);
    if (status.conditions?.find((c) => c.type === 'Ready')?.status === 'True') ready++;
  }
  return ready;
}
