// Where a component's pods run and how they pull images: the spec's per-component nodeSelector,
// tolerations, affinity, topologySpreadConstraints and priorityClassName, and the Storefront-wide
// imagePullSecrets, as Pod spec fields. Only fields the spec sets are emitted, so a Storefront
// without them renders exactly as before (and the migration Job keeps its name).

import type { Storefront } from '../api/types.ts';
import type * as k8s from './k8s.ts';

/** The scheduling fields every component (and spec.migration) carries. */
export type Scheduling = Pick<
  NonNullable<Storefront['spec']['app']>,
  'nodeSelector' | 'tolerations' | 'affinity' | 'topologySpreadConstraints' | 'priorityClassName'
>;

/**
 * Pod spec fields for one component. `selector` selects the component's own pods (each spread
 * constraint counts those); a default affinity or spread is kept when the spec sets none of its own
 * (the spec's replaces it whole).
 */
export function podPlacement(
  sf: Storefront,
  s: Scheduling | undefined,
  selector: Record<string, string>,
  defaults: { affinity?: k8s.Affinity; topologySpreadConstraints?: k8s.TopologySpreadConstraint[] } = {},
): Partial<k8s.PodSpec> {
  const out: { -readonly [K in keyof k8s.PodSpec]?: k8s.PodSpec[K] } = {};
  if (s?.nodeSelector && Object.keys(s.nodeSelector).length) out.nodeSelector = sortedKeys(s.nodeSelector);
  if (s?.tolerations?.length) out.tolerations = s.tolerations as k8s.Toleration[];
  const affinity =
    s?.affinity && Object.keys(s.affinity).length
      ? (sortedKeys(s.affinity) as k8s.Affinity)
      : defaults.affinity;
  if (affinity) out.affinity = affinity;
  const spread = s?.topologySpreadConstraints?.length
    ? s.topologySpreadConstraints.map((c) => ({ ...c, labelSelector: { matchLabels: selector } }))
    : defaults.topologySpreadConstraints;
  if (spread?.length) out.topologySpreadConstraints = spread;
  if (s?.priorityClassName) out.priorityClassName = s.priorityClassName;
  if (sf.spec.imagePullSecrets?.length)
    out.imagePullSecrets = sf.spec.imagePullSecrets.map((p) => ({ name: p.name }));
  return out;
}

/**
 * A copy with every object's keys sorted, so the render does not depend on the order a user wrote
 * map keys in (label maps are copied as given by the objects' JSON).
 */
export function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortedKeys((value as Record<string, unknown>)[k])]),
    ) as T;
  return value;
}
