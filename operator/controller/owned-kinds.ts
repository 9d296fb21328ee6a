// The kinds a Storefront owns, which API group each needs, and which of them are optional (only
// served when cert-manager, the Gateway API or CloudNativePG is installed).
import type { KindRef } from '../kube/types.ts';

export interface OwnedKind extends KindRef {
  /** Set for kinds of optional APIs: the condition message names this. */
  optional?: string;
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
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', optional: 'cert-manager.io/v1 Certificate' },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    optional: 'gateway.networking.k8s.io/v1 HTTPRoute',
  },
  { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', optional: 'postgresql.cnpg.io/v1 Cluster' },
];

export const STOREFRONT_KIND: KindRef = { apiVersion: 'storefront.dev/v1alpha1', kind: 'Storefront' };
export const FIELD_MANAGER = 'storefront-operator';
export const FINALIZER = 'storefront.dev/finalizer';
