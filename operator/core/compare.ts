// How two versions of one object are compared and shown: the one list of metadata that changes on
// every write, and the one step that keeps Secret values out of anything printed or stored.
import { objectHash } from './hash.ts';
import type { KubeObject } from './object.ts';

/** Metadata the API server rewrites on every write (or sets once): never a difference of content. */
export const VOLATILE_METADATA = [
  'managedFields',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'uid',
  'selfLink',
  'deletionGracePeriodSeconds',
] as const;

/** A Secret without its values (`data`, `stringData`); any other object unchanged. */
export function maskSecretValues(obj: KubeObject): KubeObject {
  if (obj.kind !== 'Secret') return obj;
  const { data: _data, stringData: _stringData, ...rest } = obj;
  return rest as KubeObject;
}

/** The keys a Secret holds (its values never), sorted. */
export function secretKeys(obj: KubeObject): string[] {
  const keys = (field: unknown) => Object.keys((field as Record<string, string> | undefined) ?? {});
  return [...keys(obj['data']), ...keys(obj['stringData'])].sort();
}

export interface Comparable {
  /** Safe to print: no volatile metadata, no status, no Secret value. */
  shown: KubeObject;
  /** For Secrets: a hash of the values, so a change is seen without showing them. */
  secretHash?: string;
}

/** What two versions of an object are compared by (and what of them may be printed). */
export function comparable(obj: KubeObject): Comparable {
  const { status: _status, ...rest } = obj;
  const metadata = { ...rest.metadata };
  for (const k of VOLATILE_METADATA) delete metadata[k];
  const shown = maskSecretValues({ ...rest, metadata } as KubeObject);
  if (obj.kind !== 'Secret') return { shown };
  return { shown, secretHash: objectHash({ data: obj['data'], stringData: obj['stringData'] }) };
}

/** Whether two comparable forms hold the same content. */
export function sameContent(a: Comparable, b: Comparable): boolean {
  return a.secretHash === b.secretHash && objectHash(a.shown) === objectHash(b.shown);
}
