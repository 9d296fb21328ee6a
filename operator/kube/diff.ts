// What an apply would change, asked of the API server itself (dry-run server-side apply), so
// defaults, admission and field ownership are exactly what a real apply would meet.

import { objectHash } from './apply-all.ts';
import type { KubeClient } from './client.ts';
import { isNotFound } from './errors.ts';
import { type KubeObject, type ObjectRef, refOf } from './types.ts';

export type DiffAction = 'create' | 'update' | 'unchanged';

export interface ObjectDiff {
  ref: ObjectRef;
  action: DiffAction;
  /** Live object (volatile metadata removed), undefined when it does not exist. */
  before: KubeObject | undefined;
  /** What the object would be after the apply (same normalisation). */
  after: KubeObject;
}

const VOLATILE_METADATA = ['managedFields', 'resourceVersion', 'generation', 'creationTimestamp', 'uid'];

/** Drops fields that change on every write, so two versions compare by content. */
export function normalizeForDiff(obj: KubeObject): KubeObject {
  const metadata = { ...obj.metadata };
  for (const k of VOLATILE_METADATA) delete metadata[k];
  const out: KubeObject = { ...obj, metadata };
  // Secrets: compare by content but keep values out of diff output callers may print.
  if (obj.kind === 'Secret') {
    for (const field of ['data', 'stringData'] as const) {
      const data = obj[field] as Record<string, string> | undefined;
      if (data)
        out[field] = Object.fromEntries(Object.keys(data).map((k) => [k, `sha:${hashValue(data[k] ?? '')}`]));
    }
  }
  return out;
}

function hashValue(v: string): string {
  let h = 2166136261;
  for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 16777619);
  return (h >>> 0).toString(16);
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
    const before = live && normalizeForDiff(live);
    const next = normalizeForDiff(after);
    const action: DiffAction = !before
      ? 'create'
      : objectHash(before) === objectHash(next)
        ? 'unchanged'
        : 'update';
    out.push({ ref, action, before, after: next });
  }
  return out;
}
