// The release lock. A command that changes a release marks its newest revision pending
// (pending-install/-upgrade/-rollback, uninstalling) and writes lock annotations on that revision's
// Secret: who holds it, since when, a heartbeat refreshed every interval, and a deadline. A second
// command fails at once naming the holder. A holder that died (SIGKILL, lost machine) stops
// heartbeating: after STALE_FACTOR intervals, or past its deadline, the next command marks the
// abandoned revision failed and proceeds, saying so. Taking a lock is atomic: a new revision is a
// POST (AlreadyExists for the loser), a takeover a JSON patch guarded by the resourceVersion read.
// Every time a lock records or judges is the API server's (onServerTime): the holder and the judge
// may run on machines whose clocks disagree by minutes. A holder that cannot keep its lock (another
// command took it over, or its heartbeat could not be written for as long as others wait before
// taking over) aborts: its signal fires, applying and waiting stop, and nothing more is written.
import { type Clock, dateOf } from '../core/clock.ts';
import { isAlreadyExists, isConflict, isInvalid, isNotFound } from '../kube/errors.ts';
import { DeployError, EXIT } from './errors.ts';
import { isPending, type Release, type ReleaseStatus } from './release.ts';
import { pointer, type ReleaseStore, type StoredRelease } from './release-store.ts';

export const LOCK_HOLDER = 'storefront.dev/lock-holder';
export const LOCK_SINCE = 'storefront.dev/lock-since';
export const LOCK_HEARTBEAT = 'storefront.dev/lock-heartbeat';
export const LOCK_INTERVAL = 'storefront.dev/lock-heartbeat-interval-ms';
export const LOCK_DEADLINE = 'storefront.dev/lock-deadline';
const LOCK_KEYS = [LOCK_HOLDER, LOCK_SINCE, LOCK_HEARTBEAT, LOCK_INTERVAL, LOCK_DEADLINE];

/** A holder is presumed dead after this many missed heartbeat intervals. */
export const STALE_FACTOR = 3;
export const DEFAULT_HEARTBEAT_MS = 5_000;

export type LockState =
  | { held: false }
  | { held: true; stale: boolean; holder: string; since: string; heartbeat: string; why: string };

/** Pure: is this revision locked, and is its holder still alive as far as its heartbeat says? */
export function lockState(
  status: ReleaseStatus,
  annotations: Record<string, string> | undefined,
  now: Date,
): LockState {
  if (!isPending(status)) return { held: false };
  const a = annotations ?? {};
  const holder = a[LOCK_HOLDER] ?? 'an unknown process';
  const since = a[LOCK_SINCE] ?? 'an unknown time';
  const heartbeat = a[LOCK_HEARTBEAT] ?? '';
  const interval = Number(a[LOCK_INTERVAL] ?? DEFAULT_HEARTBEAT_MS) || DEFAULT_HEARTBEAT_MS;
  const held = (stale: boolean, why: string): LockState => ({
    held: true,
    stale,
    holder,
    since,
    heartbeat,
    why,
  });
  const beat = Date.parse(heartbeat);
  if (Number.isNaN(beat)) return held(true, 'it has no heartbeat');
  const silentMs = now.getTime() - beat;
  if (silentMs > STALE_FACTOR * interval)
    return held(
      true,
      `no heartbeat for ${Math.round(silentMs / 1000)}s (expected every ${Math.round(interval / 1000)}s)`,
    );
  const deadline = Date.parse(a[LOCK_DEADLINE] ?? '');
  if (!Number.isNaN(deadline) && now.getTime() > deadline)
    return held(true, `it is past its declared deadline ${a[LOCK_DEADLINE]}`);
  return held(false, 'heartbeat is fresh');
}

export function withoutLock(annotations: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => !LOCK_KEYS.includes(k)));
}

export class LockHeldError extends DeployError {
  constructor(
    release: { namespace: string; name: string; revision: number; status: string },
    state: Extract<LockState, { held: true }>,
  ) {
    super(
      `release ${release.namespace}/${release.name} is locked: revision ${release.revision} is ${release.status}, held by ${state.holder} since ${state.since} (last heartbeat ${state.heartbeat || 'never'}). ` +
        `Wait for that command to finish; a holder that died is taken over automatically once its heartbeat is ${STALE_FACTOR} intervals old.`,
      EXIT.lockHeld,
    );
    this.name = 'LockHeldError';
  }
}

export interface LockOptions {
  holder: string;
  heartbeatMs: number;
  /** The latest moment this command may still hold the lock (its --timeout plus a margin). */
  deadline?: Date;
  /** Told about a stale lock taken over. */
  notice: (message: string) => void;
  clock: Clock;
}

/** This command no longer holds its release's lock: it stops before writing anything more. */
export class LockLostError extends DeployError {
  constructor(release: Pick<Release, 'namespace' | 'name' | 'revision'>, why: string) {
    super(
      `release ${release.namespace}/${release.name}: lost the lock on revision ${release.revision} (${why}); stopped without writing more — see \`storefront history ${release.name}\` for what the other command did`,
    );
    this.name = 'LockLostError';
  }
}

/**
 * Moves `options` onto the API server's clock: a clock that reads the server's time (measured
 * once, then advanced by the local clock), and the deadline shifted by the same offset.
 */
export async function onServerTime(store: ReleaseStore, options: LockOptions): Promise<LockOptions> {
  const before = options.clock.now();
  const server = await store.client.serverTime();
  const after = options.clock.now();
  // The Date header is truncated to the second: on average half a second behind.
  const offset = server + 500 - (before + after) / 2;
  const local = options.clock;
  return {
    ...options,
    clock: { now: () => local.now() + offset, setTimer: (fn, ms) => local.setTimer(fn, ms) },
    ...(options.deadline ? { deadline: new Date(options.deadline.getTime() + offset) } : {}),
  };
}

/** A lock held on one revision; heartbeats until `finish`, and aborts `signal` when it is lost. */
export class HeldLock {
  stored: StoredRelease;
  lost: string | undefined;
  private readonly store: ReleaseStore;
  private readonly holder: string;
  private readonly timer: NodeJS.Timeout;
  private readonly lostController = new AbortController();
  private beating: Promise<unknown> = Promise.resolve();

  constructor(store: ReleaseStore, stored: StoredRelease, options: LockOptions) {
    this.store = store;
    this.stored = stored;
    this.holder = options.holder;
    const clock = options.clock;
    let lastBeat = clock.now();
    this.timer = setInterval(() => {
      this.beating = this.store
        .annotate(this.stored.release, this.guards(), { [LOCK_HEARTBEAT]: dateOf(clock).toISOString() })
        .then((secret) => {
          this.stored = { ...this.stored, secret };
          lastBeat = clock.now();
        })
        .catch((e: unknown) => {
          const message = (e as Error).message;
          // The guard failed (another holder) or the revision is gone: lost for certain.
          if (isInvalid(e) || isConflict(e) || isNotFound(e))
            this.markLost(`another command took it over or removed it: ${message}`);
          // A blip is retried at the next beat, but not past the point where others may take over.
          else if (clock.now() - lastBeat >= (STALE_FACTOR - 1) * options.heartbeatMs)
            this.markLost(
              `no heartbeat could be written for ${Math.round((clock.now() - lastBeat) / 1000)}s: ${message}`,
            );
        });
    }, options.heartbeatMs);
  }

  get release(): Release {
    return this.stored.release;
  }

  /** Aborted (with a LockLostError) when the lock is lost; applying and waiting stop on it. */
  get signal(): AbortSignal {
    return this.lostController.signal;
  }

  /** Throws the LockLostError if the lock was lost. */
  assertHeld(): void {
    if (this.lost) throw this.lostController.signal.reason;
  }

  private markLost(why: string): void {
    if (this.lost) return;
    this.lost = why;
    clearInterval(this.timer);
    this.lostController.abort(new LockLostError(this.stored.release, why));
  }

  private guards() {
    return [
      { op: 'test' as const, path: pointer('metadata', 'annotations', LOCK_HOLDER), value: this.holder },
    ];
  }

  /** Writes the record while still holding the lock (e.g. the applied objects). */
  async update(release: Release): Promise<void> {
    await this.beating;
    this.assertHeld();
    this.stored = await this.store.write(this.stored, release, { guards: this.guards() });
  }

  /** Writes the final record and drops the lock annotations. */
  async finish(release: Release): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    this.assertHeld();
    try {
      this.stored = await this.store.write(this.stored, release, {
        guards: this.guards(),
        annotations: withoutLock(this.stored.secret.metadata.annotations),
      });
    } catch (e) {
      if (isInvalid(e) || isConflict(e)) {
        throw new DeployError(
          `release ${release.namespace}/${release.name}: another command took over revision ${release.revision} (this one was presumed dead); its outcome was not recorded: ${(e as Error).message}`,
        );
      }
      throw e;
    }
  }

  /** Stops heartbeating without writing (the revision was deleted, e.g. by uninstall). */
  stop(): void {
    clearInterval(this.timer);
  }
}

function lockAnnotations(options: LockOptions, now: Date): Record<string, string> {
  const a: Record<string, string> = {
    [LOCK_HOLDER]: options.holder,
    [LOCK_SINCE]: now.toISOString(),
    [LOCK_HEARTBEAT]: now.toISOString(),
    [LOCK_INTERVAL]: String(options.heartbeatMs),
  };
  if (options.deadline) a[LOCK_DEADLINE] = options.deadline.toISOString();
  return a;
}

/**
 * Checks the newest revision: fails with LockHeldError when a live holder has it; marks it failed
 * (with a notice) when its holder is stale. Returns the history as it stands afterwards.
 */
async function clearStale(
  store: ReleaseStore,
  namespace: string,
  name: string,
  options: LockOptions,
): Promise<StoredRelease[]> {
  const now = () => dateOf(options.clock);
  const history = await store.history(namespace, name);
  const latest = history.at(-1);
  if (!latest) return history;
  const state = lockState(latest.release.status, latest.secret.metadata.annotations, now());
  if (!state.held) return history;
  if (!state.stale) throw new LockHeldError(latest.release, state);
  const r = latest.release;
  const description = `${r.status} abandoned: ${state.holder} (since ${state.since}) stopped: ${state.why}`;
  const updated = await store.write(
    latest,
    { ...r, status: 'failed', description },
    {
      guards: [
        {
          op: 'test',
          path: pointer('metadata', 'resourceVersion'),
          value: latest.secret.metadata.resourceVersion,
        },
      ],
      annotations: withoutLock(latest.secret.metadata.annotations),
    },
  );
  options.notice(
    `recovered a stale lock on release ${namespace}/${name}: revision ${r.revision} was left ${r.status} by ${state.holder} since ${state.since}, ${state.why}; marked it failed and proceeding`,
  );
  history[history.length - 1] = updated;
  return history;
}

/** Retries `attempt` when a concurrent takeover changed the newest revision under us. */
async function retrying<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (i < 3 && (isInvalid(e) || isConflict(e))) continue;
      throw e;
    }
  }
}

/**
 * The prologue both ways of locking share: the lock options on the API server's clock, then
 * `attempt` with the release's history (any stale lock cleared first), retried when a concurrent
 * takeover changed the newest revision under us.
 */
async function onFreshHistory<T>(
  store: ReleaseStore,
  namespace: string,
  name: string,
  localOptions: LockOptions,
  attempt: (history: StoredRelease[], options: LockOptions, now: () => Date) => Promise<T>,
): Promise<T> {
  const options = await onServerTime(store, localOptions);
  const now = () => dateOf(options.clock);
  return retrying(async () => attempt(await clearStale(store, namespace, name, options), options, now));
}

/**
 * Locks a release by creating its next revision in a pending status. `build` gets the history
 * (after any stale lock was cleared) and returns the pending record; its revision is set here.
 */
export async function lockNewRevision(
  store: ReleaseStore,
  namespace: string,
  name: string,
  build: (history: StoredRelease[]) => Omit<Release, 'revision'>,
  localOptions: LockOptions,
): Promise<{ lock: HeldLock; history: StoredRelease[] }> {
  return onFreshHistory(store, namespace, name, localOptions, async (history, options, now) => {
    const revision = (history.at(-1)?.release.revision ?? 0) + 1;
    const release = { ...build(history), revision } as Release;
    let stored: StoredRelease;
    try {
      stored = await store.create(release, lockAnnotations(options, now()));
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      // Another command created this revision a moment ago: it holds the lock.
      const winner = await store.get(namespace, name, revision);
      const state = winner && lockState(winner.release.status, winner.secret.metadata.annotations, now());
      if (winner && state?.held) throw new LockHeldError(winner.release, state);
      throw new DeployError(
        `release ${namespace}/${name}: revision ${revision} was created concurrently by another command; run this command again`,
        EXIT.lockHeld,
      );
    }
    return { lock: new HeldLock(store, stored, options), history };
  });
}

/** Locks the newest revision in place (uninstall): its status becomes `status` until finished. */
export async function lockLatest(
  store: ReleaseStore,
  namespace: string,
  name: string,
  status: ReleaseStatus,
  localOptions: LockOptions,
): Promise<{ lock: HeldLock; history: StoredRelease[] }> {
  return onFreshHistory(store, namespace, name, localOptions, async (history, options, now) => {
    const latest = history.at(-1);
    if (!latest)
      throw new DeployError(
        `release ${namespace}/${name} not found (storefront list -n ${namespace} shows the releases there)`,
      );
    const stored = await store.write(
      latest,
      { ...latest.release, status },
      {
        guards: [
          {
            op: 'test',
            path: pointer('metadata', 'resourceVersion'),
            value: latest.secret.metadata.resourceVersion,
          },
        ],
        annotations: {
          ...withoutLock(latest.secret.metadata.annotations),
          ...lockAnnotations(options, now()),
        },
      },
    );
    return { lock: new HeldLock(store, stored, options), history };
  });
}
