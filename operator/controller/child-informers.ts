// What the operator's child informers hold. Their label selector matches labels anyone who may
// create objects can set, so a tenant could grow the operator's memory with labelled objects; the
// cache therefore keeps only objects a Storefront owns (ownerReference), plus the data a
// Storefront deliberately leaves without one (deletionPolicy Retain: the volume claim and the
// retained credentials and CA), plus the Jobs of a backup CronJob (owned by it, labelled as a
// backup: BackupReady reads them). Anything else is dropped as it arrives; the takeover check
// (ownership.ts) learns of the objects the cache does not hold from their names (foreign-names.ts).
import type { KubeObject } from '../core/object.ts';
import type { InformerOptions } from '../kube/informer.ts';
import type { OwnedKind } from '../observe/owned-kinds.ts';
import { STOREFRONT_KIND } from '../observe/owned-kinds.ts';
import { RETAIN_ANNOTATION } from '../render/credentials.ts';
import { STOREFRONT_LABEL, WORKLOADS } from '../render/names.ts';

/**
 * Every object carrying the Storefront label, whoever manages it: the names watch of
 * foreign-names.ts takes every object without it, so between them each object of a kind is seen
 * (one labelled by another tool must still block a takeover). `keep` decides what is held.
 */
export const CHILD_LABEL_SELECTOR = STOREFRONT_LABEL;

/** Owned by a Storefront, or data one keeps without an owner. */
export function isStorefrontChild(obj: KubeObject): boolean {
  // Volume claims come from the StatefulSet's template (our labels): owned by the StatefulSet
  // under deletionPolicy Delete, by nobody under Retain. Held either way.
  if (obj.kind === 'PersistentVolumeClaim') return true;
  if (
    obj.metadata.ownerReferences?.some(
      (r) => r.kind === STOREFRONT_KIND.kind && r.apiVersion === STOREFRONT_KIND.apiVersion,
    )
  )
    return true;
  // A backup Job: made by our CronJob (or `storefront backup create` from its template). Not
  // keyed on obj.kind: items of a LIST carry none.
  if (
    obj.metadata.labels?.['app.kubernetes.io/component'] === WORKLOADS.backup.component &&
    obj.metadata.ownerReferences?.some((r) => r.kind === 'CronJob' && r.apiVersion === 'batch/v1')
  )
    return true;
  if (obj.metadata.ownerReferences?.length) return false;
  return obj.metadata.annotations?.[RETAIN_ANNOTATION] === 'true';
}

/**
 * Owned kinds whose API server bumps metadata.generation on every spec change (checked against
 * kube-apiserver: a spec patch bumps it, a label does not; an HPA has no generation): their
 * status updates keep the cached spec (InformerOptions.specFollowsGeneration).
 */
const SPEC_FOLLOWS_GENERATION = new Set([
  'Deployment',
  'StatefulSet',
  'Job',
  'CronJob',
  'PodDisruptionBudget',
  'Ingress',
]);

export function childInformerOptions(kind: OwnedKind, namespace?: string): InformerOptions<KubeObject> {
  return {
    ...kind,
    ...(namespace ? { namespace } : {}),
    labelSelector: CHILD_LABEL_SELECTOR,
    keep: isStorefrontChild,
    ...(SPEC_FOLLOWS_GENERATION.has(kind.kind) ? { specFollowsGeneration: true } : {}),
  };
}
