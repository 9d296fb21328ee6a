// What computeStatus reads, named once for both readers: the operator (informer caches) and the
// deployer's --wait/status (plain GETs).
import type { Storefront } from '../api/types.ts';
import { names } from '../render/names.ts';

/** The children whose state the conditions read, as `[kind, name]`. */
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

/** Secrets of the user's that the spec references (external services, tls mode `secret`). */
export function referencedUserSecrets(sf: Storefront): string[] {
  return [
    sf.spec.database.mode === 'external' ? sf.spec.database.external?.name : undefined,
    sf.spec.cache.mode === 'external' ? sf.spec.cache.external?.name : undefined,
    sf.spec.ingress.tls.mode === 'secret' ? names(sf).tlsSecret : undefined,
  ].filter((s): s is string => !!s);
}
