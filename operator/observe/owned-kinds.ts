// The kinds a Storefront owns, which API group each needs, and which of them are optional (served
// only when cert-manager, the Gateway API, CloudNativePG or the Prometheus Operator is installed).
// The spec -> optional kinds mapping is written here once; everything else asks these functions.
import type { Storefront } from '../api/types.ts';
import type { KindRef } from '../core/object.ts';
import type { KubeClient } from '../kube/client.ts';

/** Kinds of APIs a cluster may not serve. */
export type OptionalKind =
  | 'Certificate'
  | 'HTTPRoute'
  | 'ReferenceGrant'
  | 'Cluster'
  | 'ScheduledBackup'
  | 'PodMonitor'
  | 'ServiceMonitor';

export interface OwnedKind extends KindRef {
  /** Set for kinds of optional APIs. */
  optional?: true;
}

export const OWNED_KINDS: readonly OwnedKind[] = [
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', optional: true },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', optional: true },
  // v1beta1: served by every Gateway API release that has ReferenceGrant (v1 only since v1.5).
  { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', optional: true },
  { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', optional: true },
  { apiVersion: 'postgresql.cnpg.io/v1', kind: 'ScheduledBackup', optional: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', optional: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', optional: true },
];

export const STOREFRONT_KIND: KindRef = { apiVersion: 'storefront.dev/v1alpha1', kind: 'Storefront' };

/** The owned kind named `kind` (its apiVersion), for reads that start from a kind. */
export function ownedKind(kind: string): OwnedKind {
  const found = OWNED_KINDS.find((k) => k.kind === kind);
  if (!found) throw new Error(`${kind} is not a kind a Storefront owns (observe/owned-kinds.ts)`);
  return found;
}

/** The optional kinds this spec renders. */
export function optionalKindsFor(sf: Storefront): Set<OptionalKind> {
  const kinds = new Set<OptionalKind>();
  if (sf.spec.ingress.tls.mode === 'certManager') kinds.add('Certificate');
  if (sf.spec.ingress.provider === 'gatewayAPI') {
    kinds.add('HTTPRoute');
    // Rendered only with TLS on and a Gateway in another namespace; watched for every gateway
    // spec so a grant left behind by an edit is pruned.
    kinds.add('ReferenceGrant');
  }
  if (sf.spec.database.mode === 'cloudnativepg') {
    kinds.add('Cluster');
    // Only with a backup: a cloudnativepg Storefront without one needs no ScheduledBackup API. One
    // left behind when backup is removed is still pruned: its informer, once started, stays.
    if (sf.spec.database.backup) kinds.add('ScheduledBackup');
  }
  if (sf.spec.monitoring.podMonitor.enabled) kinds.add('PodMonitor');
  if (sf.spec.monitoring.serviceMonitor.enabled) kinds.add('ServiceMonitor');
  return kinds;
}

/** The optional kinds this spec renders that the cluster does not serve. */
export async function missingOptionalKinds(client: KubeClient, sf: Storefront): Promise<Set<OptionalKind>> {
  const missing = new Set<OptionalKind>();
  for (const kind of optionalKindsFor(sf))
    if (!(await client.resourceFor(ownedKind(kind).apiVersion, kind))) missing.add(kind);
  return missing;
}

/** `cert-manager.io/v1 Certificate`: how a missing API is named to people. */
export function apiName(kind: OptionalKind): string {
  return `${ownedKind(kind).apiVersion} ${kind}`;
}
