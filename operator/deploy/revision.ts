// Carrying out one locked revision (install, upgrade or rollback): record what will be applied,
// apply, prune, optionally wait, then record the outcome. On failure the revision is marked
// failed and, with --rollback-on-failure, the last deployed revision is restored.
import type { Storefront } from '../api/types.ts';
import { describeRef } from '../kube/types.ts';
import { applyObjects, checkOwnership, objectsOf, prepareRevision, pruneRevision } from './apply.ts';
import type { DeployContext } from './context.ts';
import { DeployError, exitCodeOf } from './errors.ts';
import type { HeldLock } from './lock.ts';
import { manifestOf, type Release, releaseKey } from './release.ts';
import type { StoredRelease } from './release-store.ts';
import { waitForReady } from './wait.ts';

export interface RevisionOptions {
  wait: boolean;
  timeoutMs: number;
  rollbackOnFailure: boolean;
  takeOwnership: boolean;
  historyMax: number;
}

/** Manifests earlier revisions applied that may still be live: the last deployed one and later. */
export function pruneSources(history: readonly StoredRelease[], ownRevision: number): Release[] {
  const prior = history.map((h) => h.release).filter((r) => r.revision !== ownRevision);
  let i = prior.length - 1;
  while (i >= 0 && prior[i]!.status !== 'deployed') i--;
  return i >= 0 ? prior.slice(i) : prior;
}

/** The revision a rollback restores when none is named: the newest good one before the deployed one. */
export function lastDeployed(history: readonly StoredRelease[], ownRevision: number): Release | undefined {
  return history
    .map((h) => h.release)
    .filter((r) => r.revision !== ownRevision && r.status === 'deployed')
    .at(-1);
}

const VERB: Record<string, string> = {
  'pending-install': 'Install',
  'pending-upgrade': 'Upgrade',
  'pending-rollback': 'Rollback',
};

export async function runRevision(
  ctx: DeployContext,
  lock: HeldLock,
  history: readonly StoredRelease[],
  sf: Storefront,
  options: RevisionOptions,
  rollback: (revision: number) => Promise<Release>,
): Promise<Release> {
  const { client, namespace } = ctx;
  const name = sf.metadata.name;
  const key = releaseKey(namespace, name);
  const verb = VERB[lock.release.status] ?? 'Change';
  const revision = lock.release.revision;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void lock
      .finish({
        ...lock.release,
        status: 'failed',
        description: `${verb} interrupted by ${signal}`,
        lastDeployed: new Date().toISOString(),
      })
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    try {
      // Before anything is written (credentials included): refuse objects that are not ours.
      if (!options.takeOwnership) await checkOwnership(client, objectsOf(sf, namespace), key);
      const prepared = await prepareRevision(client, sf, namespace);
      for (const api of prepared.skipped)
        ctx.err(
          `warning: this cluster does not serve ${api}; its objects are left out (the operator does the same)`,
        );
      if (prepared.createdSecrets.length)
        ctx.err(`generated ${prepared.createdSecrets.join(', ')} (created once, never rotated)`);
      // Recorded before applying, so a revision that dies half-way is still pruned later.
      await lock.update({ ...lock.release, objects: manifestOf(prepared.objects) });
      const applied = await applyObjects(client, prepared.objects);
      const pruned = await pruneRevision(client, {
        previous: pruneSources(history, revision).flatMap((r) => r.objects),
        keep: prepared.objects,
        key,
      });
      ctx.err(
        `revision ${revision}: applied ${applied.applied.length} objects${pruned.length ? `, pruned ${pruned.map(describeRef).join(', ')}` : ''}`,
      );
      if (options.wait) {
        ctx.err(
          `waiting up to ${Math.round(options.timeoutMs / 1000)}s for Storefront ${namespace}/${name} to be ready`,
        );
        await waitForReady(client, sf, namespace, {
          timeoutMs: options.timeoutMs,
          write: ctx.progress.write,
          tty: ctx.progress.tty,
        });
      }
    } catch (e) {
      const message = (e as Error).message;
      await lock.finish({
        ...lock.release,
        status: 'failed',
        description: `${verb} failed: ${message}`.slice(0, 1000),
        lastDeployed: new Date().toISOString(),
      });
      let outcome = `release ${key} revision ${revision}: ${verb.toLowerCase()} failed: ${message}`;
      if (options.rollbackOnFailure) {
        const target = lastDeployed(history, revision);
        if (!target) outcome += '\nnothing to roll back to: no earlier revision was deployed';
        else {
          ctx.err(`rolling back to revision ${target.revision} (--rollback-on-failure)`);
          try {
            const restored = await rollback(target.revision);
            outcome += `\nrolled back: revision ${restored.revision} restores revision ${target.revision}`;
          } catch (re) {
            outcome += `\nthe rollback to revision ${target.revision} failed too: ${(re as Error).message}`;
          }
        }
      }
      throw new DeployError(outcome, exitCodeOf(e), { cause: e });
    }
    const done: Release = {
      ...lock.release,
      status: 'deployed',
      description: lock.release.rollbackOf ? `Rollback to ${lock.release.rollbackOf}` : `${verb} complete`,
      lastDeployed: new Date().toISOString(),
    };
    await lock.finish(done);
    for (const h of history) {
      if (h.release.revision !== revision && h.release.status === 'deployed') {
        await ctx.store.write(h, { ...h.release, status: 'superseded' });
      }
    }
    await ctx.store.trim(namespace, name, options.historyMax);
    return done;
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    process.removeListener('SIGTERM', stopOnSignal);
  }
}
