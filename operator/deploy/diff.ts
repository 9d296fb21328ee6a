// `storefront diff NAME -f spec`: what an upgrade would change in the live cluster. Each object is
// applied as a server-side dry run under the CLI's field manager and compared with the live
// object — the API server merges, defaults and drops fields this manager no longer sets, so live
// state, the last applied configuration (managedFields) and the new spec all count. Objects the
// last revision applied and this one would not are shown as deletions. Secret values are never
// printed; a changed Secret reads "(secret data changed)".
import { stringify } from 'yaml';
import type { Storefront } from '../api/types.ts';
import { comparable } from '../core/compare.ts';
import { describeRef, type KubeObject, type ObjectRef, refOf } from '../core/object.ts';
import { dryRunDiff } from '../kube/diff.ts';
import { keptThroughSwitch, prepareRevision, pruneCandidates } from './apply.ts';
import type { DeployContext } from './context.ts';
import { leftLive, pruneSources } from './history.ts';
import { CLI_FIELD_MANAGER, RELEASE_ANNOTATION, releaseKey } from './release.ts';
import { diffLines, hunks } from './text-diff.ts';

export type ChangeAction = 'create' | 'update' | 'delete';

export interface ObjectChange {
  ref: ObjectRef;
  action: ChangeAction;
  /** Printable lines (already free of Secret values). */
  lines: string[];
}

const yamlLines = (o: KubeObject) =>
  stringify(o, { lineWidth: 0, aliasDuplicateObjects: false }).trimEnd().split('\n');

/** Pure: the change between a live object and what it would become (undefined when none). */
export function objectChange(
  before: KubeObject | undefined,
  after: KubeObject | undefined,
  ref: ObjectRef,
): ObjectChange | undefined {
  const b = before && comparable(before);
  const a = after && comparable(after);
  if (!a && b) return { ref, action: 'delete', lines: yamlLines(b.shown).map((l) => `- ${l}`) };
  if (!a) return undefined;
  if (!b) {
    const lines = yamlLines(a.shown).map((l) => `+ ${l}`);
    if (a.secretHash) lines.push('+ (secret data: generated, not shown)');
    return { ref, action: 'create', lines };
  }
  const body = hunks(diffLines(yamlLines(b.shown), yamlLines(a.shown)));
  const secretChanged = a.secretHash !== b.secretHash;
  if (!body.length && !secretChanged) return undefined;
  if (secretChanged) body.push('~ (secret data changed)');
  return { ref, action: 'update', lines: body };
}

export async function computeDiff(ctx: DeployContext, sf: Storefront): Promise<ObjectChange[]> {
  const { client, namespace } = ctx;
  const name = sf.metadata.name;
  const key = releaseKey(namespace, name);
  const prepared = await prepareRevision(client, sf, namespace, { dryRun: true });
  const results = await dryRunDiff(client, prepared.objects, {
    fieldManager: CLI_FIELD_MANAGER,
    force: true,
  });
  const changes: ObjectChange[] = [];
  for (const r of results) {
    const c = objectChange(r.before, r.after, r.ref);
    if (c) changes.push(c);
  }
  const history = await ctx.store.history(namespace, name);
  const previous = pruneSources(history, -1).flatMap(leftLive);
  const candidates = pruneCandidates({ previous, keep: prepared.objects });
  // What a mode switch keeps until its replacement is usable is not deleted by the upgrade either.
  const { kept } = await keptThroughSwitch(client, sf, namespace, prepared.skipped, candidates);
  for (const o of candidates.filter((c) => !kept.includes(c))) {
    const live = await client.tryGet(refOf(o));
    if (live && live.metadata.annotations?.[RELEASE_ANNOTATION] === key) {
      const c = objectChange(live, undefined, refOf(o));
      if (c) changes.push(c);
    }
  }
  return changes;
}

const COLOUR = { '+': '\x1b[32m', '-': '\x1b[31m', '~': '\x1b[33m', header: '\x1b[1;36m', reset: '\x1b[0m' };

/** Pure: the printed diff, coloured for a terminal. */
export function formatDiff(changes: readonly ObjectChange[], colour: boolean): string {
  const paint = (c: string, s: string) => (colour ? `${c}${s}${COLOUR.reset}` : s);
  const out: string[] = [];
  for (const ch of changes) {
    const sign = ch.action === 'create' ? '+' : ch.action === 'delete' ? '-' : '~';
    out.push(paint(COLOUR.header, `${sign} ${ch.action} ${describeRef(ch.ref)}`));
    for (const l of ch.lines) {
      const c = l[0] as '+' | '-' | '~' | ' ';
      out.push(c === ' ' ? l : paint(COLOUR[c], l));
    }
  }
  const count = (a: ChangeAction) => changes.filter((c) => c.action === a).length;
  out.push(
    changes.length
      ? `${changes.length} object(s) would change: ${count('create')} created, ${count('update')} updated, ${count('delete')} deleted`
      : 'no changes',
  );
  return `${out.join('\n')}\n`;
}
