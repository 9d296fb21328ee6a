// The one object model every layer speaks (render, kube, observe, controller, deploy): plain JSON
// shapes for Kubernetes objects, never the client library's generated classes, so objects stay
// byte-for-byte what the API server sent; and the one identity key objects are compared by.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** Names one object (or, without `name`, one kind in one namespace). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface KindRef {
  apiVersion: string;
  kind: string;
}

/** `namespace/name` (or `name` for cluster-scoped objects): the work-queue key of an object. */
export function keyOf(obj: { metadata: ObjectMeta } | ObjectRef): string {
  const ns = 'metadata' in obj ? obj.metadata.namespace : obj.namespace;
  const name = 'metadata' in obj ? obj.metadata.name : obj.name;
  return ns ? `${ns}/${name ?? ''}` : (name ?? '');
}

/** Splits a work-queue key back into namespace and name. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** `group` of an apiVersion (`''` for the core group). */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Human-readable `Kind ns/name` for errors and logs. */
export function describeRef(ref: { kind?: string; namespace?: string; name?: string }): string {
  const where = ref.namespace ? `${ref.namespace}/${ref.name ?? ''}` : (ref.name ?? '');
  return `${ref.kind ?? 'object'} ${where}`.trim();
}

/** The ref of an object, for reads, deletes and messages. */
export function refOf(obj: KubeObject): ObjectRef {
  const ref: ObjectRef = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name ?? '' };
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  return ref;
}

/**
 * The identity of an object: group, kind, namespace and name, without the version — an object is
 * the same whichever served version it was listed through. Prune, uninstall and diff compare by it.
 */
export function identity(o: KubeObject | ObjectRef): string {
  const ref = 'metadata' in o ? refOf(o) : o;
  return `${groupOf(ref.apiVersion)}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
}

/** The condition of `type` whose status is True, from an object's status.conditions (any kind's). */
export function trueCondition<C extends { type: string; status: string }>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return conditions?.find((c) => c.type === type && c.status === 'True');
}
