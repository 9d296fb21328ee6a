// Reads what computeStatus looks at — the children that carry readiness, optional APIs the spec
// needs, user Secrets it references — with plain GETs (the CLI has no informer caches).
import type { Storefront } from '../api/types.ts';
import { OWNED_KINDS } from '../controller/owned-kinds.ts';
import type { KubeClient } from '../kube/client.ts';
import { names } from '../render/names.ts';
import type { Observed, ObservedChild } from '../status/conditions.ts';

const API_OF: Record<string, string> = {
  StatefulSet: 'apps/v1',
  PersistentVolumeClaim: 'v1',
  Deployment: 'apps/v1',
  Job: 'batch/v1',
  Ingress: 'networking.k8s.io/v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
  Certificate: 'cert-manager.io/v1',
  Cluster: 'postgresql.cnpg.io/v1',
  Secret: 'v1',
};

/** The children whose state the conditions read, as `[kind, name]` (the operator's list). */
export function readinessChildren(sf: Storefront): [string, string][] {
  const n = names(sf);
  return [
    ['StatefulSet', n.postgres],
    ['PersistentVolumeClaim', n.postgresDataClaim],
    ['Deployment', n.redis],
    ['Deployment', n.app],
    ['Job', n.migration],
    ['Ingress', n.frontDoor],
    ['HTTPRoute', n.frontDoor],
    ['Certificate', n.certificate],
    ['Cluster', n.cnpgCluster],
    ['Secret', n.tlsSecret],
  ];
}

/** Optional APIs (cert-manager, Gateway API, CloudNativePG) the spec needs and the cluster lacks. */
export async function missingApis(client: KubeClient, sf: Storefront): Promise<string[]> {
  const wanted = OWNED_KINDS.filter((k) => {
    if (k.kind === 'Certificate') return sf.spec.ingress.tls.mode === 'certManager';
    if (k.kind === 'HTTPRoute') return sf.spec.ingress.provider === 'gatewayAPI';
    if (k.kind === 'Cluster') return sf.spec.database.mode === 'cloudnativepg';
    return false;
  });
  const missing: string[] = [];
  for (const k of wanted) if (!(await client.resourceFor(k.apiVersion, k.kind))) missing.push(k.optional!);
  return missing;
}

export async function observe(client: KubeClient, sf: Storefront, namespace: string): Promise<Observed> {
  const apis = await missingApis(client, sf);
  const children = new Map<string, ObservedChild>();
  await Promise.all(
    readinessChildren(sf).map(async ([kind, name]) => {
      const apiVersion = API_OF[kind]!;
      if (!(await client.resourceFor(apiVersion, kind))) return;
      const live = await client.tryGet({ apiVersion, kind, namespace, name });
      if (live) children.set(`${kind}/${name}`, live as unknown as ObservedChild);
    }),
  );
  const userSecrets = [
    sf.spec.database.mode === 'external' ? sf.spec.database.external?.name : undefined,
    sf.spec.cache.mode === 'external' ? sf.spec.cache.external?.name : undefined,
    sf.spec.ingress.tls.mode === 'secret' ? names(sf).tlsSecret : undefined,
  ].filter((s): s is string => !!s);
  const missingSecrets: string[] = [];
  for (const name of userSecrets) {
    if (!(await client.tryGet({ apiVersion: 'v1', kind: 'Secret', namespace, name })))
      missingSecrets.push(name);
  }
  return { children, missingApis: apis, missingSecrets };
}
