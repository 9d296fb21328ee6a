// What an apply would change, asked of the API server itself (dry-run server-side apply), so
// defaults, admission and field ownership are exactly what a real apply would meet.

import { comparable, sameContent } from '../core/compare.ts';
import { type KubeObject, type ObjectRef, refOf } from '../core/object.ts';
import type { KubeClient } from './client.ts';
import { isNotFound } from './errors.ts';

export type DiffAction = 'create' | 'update' | 'unchanged';

export interface ObjectDiff {
  ref: ObjectRef;
  action: DiffAction;
  /** Live object as read, undefined when it does not exist. Holds Secret values: print only its comparable(). */
  before: KubeObject | undefined;
  /** What the object would be after the apply, as the API server answered the dry run (same caution). */
  after: KubeObject;
}

/** Dry-run applies each object and reports create / update / unchanged with before and after. */
export async function dryRunDiff(
  client: KubeClient,
  objects: readonly KubeObject[],
  options: { fieldManager: string; force?: boolean },
): Promise<ObjectDiff[]> {
  const out: ObjectDiff[] = [];
  for (const obj of objects) {
    const ref = refOf(obj);
    let live: KubeObject | undefined;
    try {
      live = await client.get(ref);
    } catch (err) {
      // A missing namespace or kind means "would be created" as far as this object goes.
      if (!isNotFound(err)) throw err;
    }
    let after: KubeObject;
    try {
      after = await client.apply(obj, {
        fieldManager: options.fieldManager,
        force: options.force ?? true,
        dryRun: true,
      });
    } catch (err) {
      // Its namespace does not exist yet (it is part of the same install): show it as given.
      if (!isNotFound(err) || live) throw err;
      after = obj;
    }
    const action: DiffAction = !live
      ? 'create'
      : sameContent(comparable(live), comparable(after))
        ? 'unchanged'
        : 'update';
    out.push({ ref, action, before: live, after });
  }
  return out;
}
