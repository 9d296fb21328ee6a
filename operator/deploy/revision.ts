// Carrying out one locked revision (install, upgrade or rollback): record what will be applied,
// apply, prune, optionally wait, then record the outcome. On failure the revision is marked
// failed and, with --rollback-on-failure, the deployed revision is restored. Each step is its own
// function below; runRevision only orders them.
import type { Storefront } from '../api/types.ts';
import { dateOf } from '../core/clock.ts';
import { describeRef } from '../core/object.ts';
import { apiName } from '../observe/owned-kinds.ts';
import {
  applyObjects,
  checkOwnership,
  keptThroughSwitch,
  objectsOf,
  prepareRevision,
  pruneCandidates,
  pruneRevision,
} from './apply.ts';
import { type DeployContext, lockOptions } from './context.ts';
import { doctor, formatFindings } from './doctor.ts';
import { DeployError, exitCodeOf } from './errors.ts';
import { deployedRevision, leftLive, pruneSources } from './history.ts';
import { type HeldLock, lockNewRevision } from './lock.ts';
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

/** What one revision is about: the release, its lock, the history before it, the verb for messages. */
interface RevisionRun {
  ctx: DeployContext;
  lock: HeldLock;
  history: readonly StoredRelease[];
  sf: Storefront;
  options: RevisionOptions;
  key: string;
  revision: number;
  verb: string;
}

/** What a new revision says of itself; who, when and which release are filled in by lockRevision. */
export type PendingRevision = Pick<Release, 'status' | 'description' | 'spec'> & { rollbackOf?: number };

/**
 * Locks release `name` by creating its next revision, as `pending` describes it from the history.
 * The lock may be held for the --wait budget plus ten minutes for the writes themselves.
 */
export function lockRevision(
  ctx: DeployContext,
  name: string,
  options: Pick<RevisionOptions, 'wait' | 'timeoutMs'>,
  pending: (history: StoredRelease[]) => PendingRevision,
): Promise<{ lock: HeldLock; history: StoredRelease[] }> {
  const now = dateOf(ctx.clock);
  const startedAt = now.toISOString();
  const deadline = new Date(now.getTime() + (options.wait ? options.timeoutMs : 0) + 10 * 60_000);
  return lockNewRevision(
    ctx.store,
    ctx.namespace,
    name,
    (h) => {
      const { status, description, spec, rollbackOf } = pending(h);
      return {
        name,
        namespace: ctx.namespace,
        status,
        description,
        spec,
        objects: [],
        firstDeployed: h[0]?.release.firstDeployed ?? startedAt,
        lastDeployed: startedAt,
        appliedBy: ctx.by,
        ...(rollbackOf !== undefined ? { rollbackOf } : {}),
      };
    },
    lockOptions(ctx, deadline),
  );
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
  const run: RevisionRun = {
    ctx,
    lock,
    history,
    sf,
    options,
    key: releaseKey(ctx.namespace, sf.metadata.name),
    revision: lock.release.revision,
    verb: VERB[lock.release.status] ?? 'Change',
  };
  const stopHandlingSignals = failOnSignal(run);
  try {
    try {
      await applyRevision(run);
      if (options.wait) await untilLockLost(run.lock, waitForRevision(run));
    } catch (e) {
      // A lost lock is another command's now: nothing more is written, no rollback is tried.
      if (run.lock.lost) throw run.lock.signal.reason;
      await recordFailure(run, (e as Error).message);
      let outcome = `release ${run.key} revision ${run.revision}: ${run.verb.toLowerCase()} failed: ${(e as Error).message}`;
      if (options.rollbackOnFailure) outcome += await rollbackAfterFailure(run, rollback);
      throw new DeployError(outcome, exitCodeOf(e), { cause: e });
    }
    return await recordSuccess(run);
  } finally {
    stopHandlingSignals();
  }
}

/** `work`, or the lock's LockLostError as soon as the lock is lost. */
function untilLockLost<T>(lock: HeldLock, work: Promise<T>): Promise<T> {
  const { signal } = lock;
  if (signal.aborted) return Promise.reject(signal.reason);
  return Promise.race([
    work,
    new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    ),
  ]);
}

/** Ctrl-C or a CI cancel marks the revision failed (so the lock is not left pending) and exits 130. */
function failOnSignal(run: RevisionRun): () => void {
  const stop = (signal: NodeJS.Signals) => {
    void run.lock
      .finish({
        ...run.lock.release,
        status: 'failed',
        description: `${run.verb} interrupted by ${signal}`,
        lastDeployed: dateOf(run.ctx.clock).toISOString(),
      })
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
  };
}

/** Ownership check, inputs and render, the record of what will be applied, apply, prune. */
async function applyRevision(run: RevisionRun): Promise<void> {
  const { ctx, lock, sf, options, key, revision } = run;
  const { client, namespace } = ctx;
  // Before anything is written (credentials included): refuse objects that are not ours.
  if (!options.takeOwnership) await checkOwnership(client, objectsOf(sf, namespace), key);
  const prepared = await prepareRevision(client, sf, namespace);
  for (const kind of prepared.skipped)
    ctx.err(
      `warning: this cluster does not serve ${apiName(kind)}; its objects are left out (the operator does the same)`,
    );
  if (prepared.createdSecrets.length)
    ctx.err(`generated ${prepared.createdSecrets.join(', ')} (created once, never rotated)`);
  // Recorded before applying, so a revision that dies half-way is still pruned later.
  await lock.update({ ...lock.release, objects: manifestOf(prepared.objects) });
  const applied = await applyObjects(client, prepared.objects, false, lock.signal);
  const previous = pruneSources(run.history, revision).flatMap(leftLive);
  // A mode switch keeps the old object until its replacement is usable, as the operator does;
  // recorded, so a later revision prunes it once it is no longer needed.
  const { kept, notes } = await keptThroughSwitch(
    client,
    sf,
    namespace,
    prepared.skipped,
    pruneCandidates({ previous, keep: prepared.objects }),
  );
  for (const note of notes) ctx.err(note);
  if (kept.length) await lock.update({ ...lock.release, kept });
  lock.assertHeld(); // never prune on a lock another command holds now
  const pruned = await pruneRevision(client, { previous, keep: [...prepared.objects, ...kept], key });
  ctx.err(
    `revision ${revision}: applied ${applied.applied.length} objects${pruned.length ? `, pruned ${pruned.map(describeRef).join(', ')}` : ''}`,
  );
}

async function waitForRevision(run: RevisionRun): Promise<void> {
  const { ctx, sf, options } = run;
  ctx.err(
    `waiting up to ${Math.round(options.timeoutMs / 1000)}s for Storefront ${ctx.namespace}/${sf.metadata.name} to be ready`,
  );
  try {
    await waitForReady(ctx.client, sf, ctx.namespace, {
      timeoutMs: options.timeoutMs,
      write: ctx.progress.write,
      tty: ctx.progress.tty,
      clock: ctx.clock,
    });
  } catch (e) {
    // Say what the cluster lacks or what is failing before the error (and any rollback).
    const findings = await doctor(ctx, sf.metadata.name).catch(() => undefined);
    if (findings)
      ctx.err(
        `storefront doctor ${sf.metadata.name} -n ${ctx.namespace}:\n${formatFindings(findings).trimEnd()}`,
      );
    throw e;
  }
}

async function recordFailure(run: RevisionRun, message: string): Promise<void> {
  await run.lock.finish({
    ...run.lock.release,
    status: 'failed',
    description: `${run.verb} failed: ${message}`.slice(0, 1000),
    lastDeployed: dateOf(run.ctx.clock).toISOString(),
  });
}

/** --rollback-on-failure: restores the deployed revision; returns what to add to the error. */
async function rollbackAfterFailure(
  run: RevisionRun,
  rollback: (revision: number) => Promise<Release>,
): Promise<string> {
  const target = deployedRevision(run.history, run.revision);
  if (!target) return '\nnothing to roll back to: no earlier revision was deployed';
  run.ctx.err(`rolling back to revision ${target.revision} (--rollback-on-failure)`);
  try {
    const restored = await rollback(target.revision);
    return `\nrolled back: revision ${restored.revision} restores revision ${target.revision}`;
  } catch (re) {
    return `\nthe rollback to revision ${target.revision} failed too: ${(re as Error).message}`;
  }
}

/** Marks this revision deployed, the one it replaces superseded, and trims the history. */
async function recordSuccess(run: RevisionRun): Promise<Release> {
  const { ctx, lock, history, revision } = run;
  const done: Release = {
    ...lock.release,
    status: 'deployed',
    description: lock.release.rollbackOf ? `Rollback to ${lock.release.rollbackOf}` : `${run.verb} complete`,
    lastDeployed: dateOf(ctx.clock).toISOString(),
  };
  await lock.finish(done);
  for (const h of history) {
    if (h.release.revision !== revision && h.release.status === 'deployed') {
      await ctx.store.write(h, { ...h.release, status: 'superseded' });
    }
  }
  await ctx.store.trim(ctx.namespace, run.sf.metadata.name, run.options.historyMax);
  return done;
}
