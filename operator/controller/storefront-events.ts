// Which Storefront updates are worth a reconcile. Every status write of the operator's own comes
// back as an update of the Storefront, and so does the finalizer it adds on a first reconcile:
// each queued the Storefront again for a reconcile that could only render, hash and compare the
// same objects and find the same status (a first reconcile wrote both, so every new Storefront
// paid one such pass). Anything else — spec, labels, annotations (a nudge), deletion, someone
// else's finalizers — still reconciles at once; children's changes arrive through their own watches.
import type { KubeObject } from '../core/object.ts';

/** `metadata` as a reconcile reads it: without what every write changes. */
function relevantMetadata(obj: KubeObject, finalizer: string, dropFinalizer: boolean): string {
  const { resourceVersion: _rv, managedFields: _mf, finalizers, ...rest } = obj.metadata;
  const kept = dropFinalizer ? finalizers?.filter((f) => f !== finalizer) : finalizers;
  return JSON.stringify({ ...rest, finalizers: kept?.length ? kept : undefined });
}

/**
 * Does the update from `oldObj` to `newObj` change anything a reconcile acts on? No when only
 * `status` changed, or when the one other change is `finalizer` added (by the reconcile that is
 * already running). Removing it, or any change of `spec` or the rest of `metadata`, is a change.
 */
export function storefrontChanged(oldObj: KubeObject, newObj: KubeObject, finalizer: string): boolean {
  if (JSON.stringify(oldObj['spec']) !== JSON.stringify(newObj['spec'])) return true;
  const had = oldObj.metadata.finalizers?.includes(finalizer) ?? false;
  const has = newObj.metadata.finalizers?.includes(finalizer) ?? false;
  if (had && !has) return true;
  const added = !had && has;
  return relevantMetadata(oldObj, finalizer, added) !== relevantMetadata(newObj, finalizer, added);
}
