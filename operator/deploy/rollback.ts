// `storefront rollback NAME [REVISION]`: a new revision that re-applies an earlier revision's
// spec. Objects are rendered again from that spec with the live credentials (never rotated), so
// the result is what that revision applied; objects later revisions added are pruned.
import { type DeployContext, lockOptions, revisionClock } from './context.ts';
import { DeployError } from './errors.ts';
import { rollbackTarget } from './history.ts';
import { lockNewRevision } from './lock.ts';
import type { Release } from './release.ts';
import { type RevisionOptions, runRevision } from './revision.ts';

export async function runRollback(
  ctx: DeployContext,
  name: string,
  revision: number | undefined,
  options: RevisionOptions,
): Promise<Release> {
  const namespace = ctx.namespace;
  const { startedAt: now, deadline } = revisionClock(ctx, options);
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
