// `storefront rollback NAME [REVISION]`: a new revision that re-applies an earlier revision's
// spec. Objects are rendered again from that spec with the live credentials (never rotated), so
// the result is what that revision applied; objects later revisions added are pruned.
import { type DeployContext, lockOptions } from './context.ts';
import { DeployError } from './errors.ts';
import { lockNewRevision } from './lock.ts';
import type { Release } from './release.ts';
import type { StoredRelease } from './release-store.ts';
import { type RevisionOptions, runRevision } from './revision.ts';

/** Pure: the revision to restore — the one named, else the newest good one before the deployed one. */
export function rollbackTarget(
  history: readonly StoredRelease[],
  revision: number | undefined,
  key: string,
): Release {
  const all = history.map((h) => h.release);
  if (!all.length) throw new DeployError(`release ${key} not found`);
  if (revision !== undefined) {
    const r = all.find((x) => x.revision === revision);
    if (!r)
      throw new DeployError(
        `release ${key} has no revision ${revision} (kept: ${all.map((x) => x.revision).join(', ')})`,
      );
    return r;
  }
  const current = all.filter((x) => x.status === 'deployed').at(-1);
  const before = all.filter(
    (x) =>
      (current ? x.revision < current.revision : true) &&
      (x.status === 'superseded' || x.status === 'deployed'),
  );
  const target = before.at(-1);
  if (!target)
    throw new DeployError(
      `release ${key} has no earlier good revision to roll back to; name one: storefront rollback NAME REVISION`,
    );
  return target;
}

export async function runRollback(
  ctx: DeployContext,
  name: string,
  revision: number | undefined,
  options: RevisionOptions,
): Promise<Release> {
  const namespace = ctx.namespace;
  const now = new Date().toISOString();
  const deadline = new Date(Date.now() + (options.wait ? options.timeoutMs : 0) + 10 * 60_000);
  const { lock, history } = await lockNewRevision(
    ctx.store,
    namespace,
    name,
    (h) => {
      const target = rollbackTarget(h, revision, `${namespace}/${name}`);
      return {
        name,
        namespace,
        status: 'pending-rollback',
        description: `Rollback to ${target.revision}`,
        spec: target.spec,
        objects: [],
        firstDeployed: h[0]?.release.firstDeployed ?? now,
        lastDeployed: now,
        appliedBy: ctx.by,
        rollbackOf: target.revision,
      };
    },
    lockOptions(ctx, deadline),
  );
  return runRevision(ctx, lock, history, lock.release.spec, options, () => {
    throw new DeployError('a rollback does not roll itself back');
  });
}
