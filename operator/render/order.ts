// The order objects are applied in: isolation first (pods never run unprotected), then identity
// and configuration, then the services and workloads that use them, then the front door.
export const APPLY_ORDER = [
  'NetworkPolicy',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'Service',
  'PersistentVolumeClaim',
  'StatefulSet',
  'Cluster',
  'Deployment',
  'Job',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'Certificate',
  'Ingress',
  'HTTPRoute',
] as const;

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

const rank = (kind: string) => {
  const i = (APPLY_ORDER as readonly string[]).indexOf(kind);
  return i < 0 ? APPLY_ORDER.length : i;
};

/** Sorts for apply (dependencies first); deletion order is the reverse. */
export function sortForApply<T extends KubeObject>(objects: T[]): T[] {
  return [...objects].sort(
    (a, b) =>
      rank(a.kind) - rank(b.kind) ||
      a.kind.localeCompare(b.kind) ||
      a.metadata.name.localeCompare(b.metadata.name),
  );
}
