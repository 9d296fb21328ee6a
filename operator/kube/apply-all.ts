// Applying a rendered set of objects and pruning the ones a render no longer produces: the two
// writes every reconcile and every `storefront upgrade` make.

import { applyRank, sortForApply } from '../core/apply-order.ts';
import { objectHash } from '../core/hash.ts';
import {
  identity,
  type KindRef,
  type KubeObject,
  type ObjectRef,
  type OwnerReference,
  refOf,
} from '../core/object.ts';
import type { KubeClient, PropagationPolicy } from './client.ts';
import { isConflict, isNotFound } from './errors.ts';
import type { LabelSelector } from './label-selector.ts';

export function controllerRef(owner: KubeObject): OwnerReference {
  if (!owner.metadata.uid || !owner.metadata.name) {
    throw new Error(
      `owner ${owner.kind} ${owner.metadata.name ?? ''} has no uid: pass the object read from the API`,
    );
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Returns a copy of `obj` with `owner` as its controller, so the garbage collector deletes it with
 * the owner. Cluster-scoped objects cannot have a namespaced owner and are returned unchanged.
 */
export function withOwner(obj: KubeObject, owner: KubeObject): KubeObject {
  const ownerNs = owner.metadata.namespace;
  const ns = obj.metadata.namespace;
  if (ownerNs && !ns) return obj;
  if (ownerNs && ns && ownerNs !== ns) {
    throw new Error(
      `${obj.kind} ${ns}/${obj.metadata.name}: cannot be owned by ${owner.kind} ${ownerNs}/${owner.metadata.name} across namespaces`,
    );
  }
  const ref = controllerRef(owner);
  const others = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return { ...obj, metadata: { ...obj.metadata, ownerReferences: [...others, ref] } };
}

/**
 * Does `live` already hold every field of `desired` with the same value? Arrays must match in
 * length and element by element; fields the server added are ignored.
 */
export function containsAll(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) &&
      live.length === desired.length &&
      desired.every((d, i) => containsAll(live[i], d))
    );
  }
  if (desired && typeof desired === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
    return Object.entries(desired as Record<string, unknown>).every(
      ([k, v]) => v === undefined || containsAll((live as Record<string, unknown>)[k], v),
    );
  }
  return live === desired;
}

/** Annotation on every object applied with `live`: the hash of the desired object (see applyAll). */
export const APPLIED_HASH_ANNOTATION = 'storefront.dev/applied-hash';

/**
 * `obj` with the hash of its content in `hashKey`, as applyAll sends it when given `live`: an
 * object written another way (created with POST) carrying it is recognised as up to date.
 */
export function withAppliedHash(obj: KubeObject, hashKey = APPLIED_HASH_ANNOTATION): KubeObject {
  const hash = objectHash(obj);
  return {
    ...obj,
    metadata: { ...obj.metadata, annotations: { ...obj.metadata.annotations, [hashKey]: hash } },
  };
}

export interface ApplyAllOptions {
  fieldManager: string;
  /** Take over fields other managers own. @default true (the operator is the source of truth) */
  force?: boolean;
  dryRun?: boolean;
  /** Set as controller ownerReference on every object it may own. */
  owner?: KubeObject;
  /**
   * Objects that must not get the ownerReference, so they outlive the owner.
   * @default PersistentVolumeClaims (data survives deleting the owner)
   */
  keepWithoutOwner?: (obj: KubeObject) => boolean;
  /**
   * The live object as the caller last saw it (an informer cache). When set, objects whose live
   * copy already holds every desired field and the same `hashAnnotation` are not sent at all:
   * a no-op resync writes nothing.
   */
  live?: (ref: ObjectRef) => KubeObject | undefined;
  /** Annotation carrying the hash of the desired object. @default 'storefront.dev/applied-hash' */
  hashAnnotation?: string;
  /** Stops before the next object once aborted (the deployer's lock was lost), with its reason. */
  signal?: AbortSignal;
  /**
   * Leave the API server's answers unparsed: `objects` then holds applied objects as sent (the
   * operator reads the live ones from its watches). @default false
   */
  discardResponses?: boolean;
}

export interface ApplyAllResult {
  /**
   * Objects as the API server returned them (as sent with `discardResponses`; the live copy for
   * skipped ones), in apply order.
   */
  objects: KubeObject[];
  applied: ObjectRef[];
  /** Left alone because the live copy already matched. */
  unchanged: ObjectRef[];
}

export class ApplyAllError extends Error {
  readonly failures: Array<{ ref: ObjectRef; error: unknown }>;
  readonly result: ApplyAllResult;

  constructor(failures: Array<{ ref: ObjectRef; error: unknown }>, result: ApplyAllResult) {
    const first = failures[0]!;
    const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
    super(
      `apply failed for ${first.ref.kind} ${first.ref.namespace ?? ''}/${first.ref.name}: ${
        first.error instanceof Error ? first.error.message : String(first.error)
      }${more}`,
      { cause: first.error },
    );
    this.name = 'ApplyAllError';
    this.failures = failures;
    this.result = result;
  }
}

/**
 * Server-side applies `objects` in dependency order. Objects of the same rank go in parallel; a
 * failed rank stops later ranks (a Deployment is not applied when its Secret failed) and throws
 * ApplyAllError listing every failure.
 */
export async function applyAll(
  client: KubeClient,
  objects: readonly KubeObject[],
  options: ApplyAllOptions,
): Promise<ApplyAllResult> {
  const hashKey = options.hashAnnotation ?? APPLIED_HASH_ANNOTATION;
  const keepWithoutOwner =
    options.keepWithoutOwner ?? ((o: KubeObject) => o.kind === 'PersistentVolumeClaim');
  const prepared = sortForApply(objects).map((obj) => {
    const out = options.owner && !keepWithoutOwner(obj) ? withOwner(obj, options.owner) : obj;
    return options.live ? withAppliedHash(out, hashKey) : out;
  });
  const result: ApplyAllResult = { objects: [], applied: [], unchanged: [] };
  const ranks = new Map<number, KubeObject[]>();
  for (const obj of prepared) {
    const r = applyRank(obj.kind);
    ranks.set(r, [...(ranks.get(r) ?? []), obj]);
  }
  for (const group of ranks.values()) {
    options.signal?.throwIfAborted();
    const settled = await Promise.allSettled(
      group.map(async (obj) => {
        const ref = refOf(obj);
        const live = options.live?.(ref);
        if (live && containsAll(live, obj)) return { ref, obj: live, applied: false };
        options.signal?.throwIfAborted();
        const applied = await client.apply(obj, {
          fieldManager: options.fieldManager,
          force: options.force ?? true,
          dryRun: options.dryRun ?? false,
          ...(options.discardResponses ? { discardResponse: true } : {}),
        });
        return { ref, obj: applied, applied: true };
      }),
    );
    const failures: Array<{ ref: ObjectRef; error: unknown }> = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') {
        result.objects.push(s.value.obj);
        (s.value.applied ? result.applied : result.unchanged).push(s.value.ref);
      } else {
        failures.push({ ref: refOf(group[i]!), error: s.reason });
      }
    });
    if (failures.length > 0) throw new ApplyAllError(failures, result);
  }
  return result;
}

export interface PruneOptions {
  /** Kinds to look through; kinds the API server does not serve are skipped. */
  kinds: readonly KindRef[];
  /** Namespace to prune in; omit for cluster-scoped kinds. */
  namespace?: string;
  /** Selects the owner's objects (e.g. `app.kubernetes.io/instance=<name>`). Required: never prune unselected. */
  labelSelector: LabelSelector;
  /** Objects to keep: everything the current render produced. */
  keep: Iterable<KubeObject | ObjectRef>;
  /** Only delete objects whose ownerReferences include this uid (protects look-alikes). */
  ownerUid?: string;
  /** PersistentVolumeClaims are never deleted unless this is true. @default false */
  deletePersistentVolumeClaims?: boolean;
  /** @default 'Background' */
  propagationPolicy?: PropagationPolicy;
  dryRun?: boolean;
  /** Read candidates from a cache instead of listing (return undefined to fall back to a list). */
  source?: (kind: KindRef) => KubeObject[] | undefined;
}

export interface PruneResult {
  deleted: ObjectRef[];
  /** Kinds skipped because the API server does not serve them. */
  skippedKinds: KindRef[];
}

/** Deletes the owner's objects of `kinds` that are not in `keep`. */
export async function pruneOwned(client: KubeClient, options: PruneOptions): Promise<PruneResult> {
  const keep = new Set<string>();
  for (const k of options.keep) keep.add(identity(k));
  const result: PruneResult = { deleted: [], skippedKinds: [] };
  for (const kind of options.kinds) {
    if (kind.kind === 'PersistentVolumeClaim' && !options.deletePersistentVolumeClaims) continue;
    if (!(await client.resourceFor(kind.apiVersion, kind.kind))) {
      result.skippedKinds.push(kind);
      continue;
    }
    let candidates = options.source?.(kind);
    if (!candidates) {
      const listOptions: Parameters<KubeClient['list']>[0] = {
        ...kind,
        labelSelector: options.labelSelector,
      };
      if (options.namespace) listOptions.namespace = options.namespace;
      candidates = (await client.list(listOptions)).items;
    }
    for (const obj of candidates) {
      const ref = refOf({ ...obj, apiVersion: kind.apiVersion, kind: kind.kind });
      if (options.namespace && ref.namespace !== options.namespace) continue;
      if (keep.has(identity(ref)) || obj.metadata.deletionTimestamp) continue;
      if (options.ownerUid && !(obj.metadata.ownerReferences ?? []).some((r) => r.uid === options.ownerUid))
        continue;
      try {
        const deleted = await client.delete(ref, {
          propagationPolicy: options.propagationPolicy ?? 'Background',
          preconditions: obj.metadata.uid ? { uid: obj.metadata.uid } : {},
          dryRun: options.dryRun ?? false,
        });
        if (deleted) result.deleted.push(ref);
      } catch (err) {
        // Replaced by a new object of the same name since we listed it: not ours to delete.
        if (isConflict(err) || isNotFound(err)) continue;
        throw err;
      }
    }
  }
  return result;
}
