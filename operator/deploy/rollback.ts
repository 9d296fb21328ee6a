// `storefront rollback NAME [REVISION]`: a new revision that re-applies an earlier revision's
// spec. Objects are rendered again from that spec with the live credentials (never rotated), so
// the result is what that revision applied; objects later revisions added are pruned.
import type { DeployContext } from './context.ts';
import { DeployError } from './errors.ts';
import { rollbackTarget } from './history.ts';
import type { Release } from './release.ts';
import { lockRevision, type RevisionOptions, runRevision } from './revision.ts';
import { checkTransition } from './transition.ts';

export async function runRollback(
  ctx: DeployContext,
  name: string,
  revision: number | undefined,
  options: RevisionOptions,
): Promise<Release> {
  const { lock, history } = await lockRevision(ctx, name, options, (h) => {
    const target = rollbackTarget(h, revision, `${ctx.namespace}/${name}`);
    // An older spec may hold a smaller volume (render keeps the live size), but never another
    // database mode or Postgres major: the data directory cannot go back.
    checkTransition(
      h,
      target.spec,
      (path) => path.startsWith('spec.database.version') || path === 'spec.database.mode',
    );
    return {
      status: 'pending-rollback',
      description: `Rollback to ${target.revision}`,
      spec: target.spec,
      rollbackOf: target.revision,
    };
  });
  return runRevision(ctx, lock, history, lock.release.spec, options, () => {
    throw new DeployError('a rollback does not roll itself back');
  });
}
