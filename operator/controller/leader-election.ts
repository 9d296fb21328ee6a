// Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection:
// candidates retry every retryPeriod; the leader renews every retryPeriod and gives up if it has
// not renewed for renewDeadline; a lease counts as expired leaseDuration after this process last
// *saw it change* (local observation, so clock skew between replicas does not matter); writes
// carry the resourceVersion they read, so a conflict means the race was lost. On shutdown the
// leader clears holderIdentity so the next replica takes over at its next retry, not after expiry.

import { type Clock, realClock, type TimerHandle } from '../core/clock.ts';
import type { LeaseSnapshot, LeaseSpec, LeaseStore } from '../kube/lease.ts';
import { toMicroTime } from '../kube/lease.ts';

export type StoppedLeadingReason = 'renew-deadline' | 'taken-over' | 'released';

export interface LeaderElectorOptions {
  store: LeaseStore;
  /** Unique per replica (Pod name + random suffix). */
  identity: string;
  /** @default 15_000 */
  leaseDurationMs?: number;
  /** @default 10_000 */
  renewDeadlineMs?: number;
  /** @default 2_000 */
  retryPeriodMs?: number;
  clock?: Clock;
  onStartedLeading?: () => void;
  /** After this, the process must stop reconciling (exit, usually): another replica may lead now. */
  onStoppedLeading?: (reason: StoppedLeadingReason) => void;
  /** Whenever the observed holder changes ('' when nobody holds it). */
  onNewLeader?: (identity: string) => void;
  logger?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export type Decision =
  | { action: 'create'; spec: LeaseSpec }
  | { action: 'update'; spec: LeaseSpec; resourceVersion: string }
  | { action: 'wait'; holder: string; expiresAt: number };

/**
 * What a candidate should do given the lease it just read. `observedAt` is when this process
 * first saw the lease in its current state.
 */
export function decide(input: {
  now: number;
  identity: string;
  leaseDurationMs: number;
  current: LeaseSnapshot | undefined;
  observedAt: number;
}): Decision {
  const { now, identity, current } = input;
  const durationSeconds = Math.ceil(input.leaseDurationMs / 1000);
  const stamp = toMicroTime(now);
  if (!current) {
    return {
      action: 'create',
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        acquireTime: stamp,
        renewTime: stamp,
        leaseTransitions: 0,
      },
    };
  }
  const holder = current.spec.holderIdentity ?? '';
  const heldMs = (current.spec.leaseDurationSeconds ?? durationSeconds) * 1000;
  const expiresAt = input.observedAt + heldMs;
  if (holder && holder !== identity && expiresAt > now) return { action: 'wait', holder, expiresAt };
  const renewing = holder === identity;
  return {
    action: 'update',
    resourceVersion: current.resourceVersion,
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: renewing ? (current.spec.acquireTime ?? stamp) : stamp,
      renewTime: stamp,
      leaseTransitions: (current.spec.leaseTransitions ?? 0) + (renewing ? 0 : 1),
    },
  };
}

export function validateTimings(
  leaseDurationMs: number,
  renewDeadlineMs: number,
  retryPeriodMs: number,
): void {
  if (!(leaseDurationMs > renewDeadlineMs))
    throw new Error('leaseDuration must be greater than renewDeadline');
  if (!(renewDeadlineMs > retryPeriodMs * 1.2))
    throw new Error('renewDeadline must be greater than retryPeriod*1.2');
  if (!(retryPeriodMs > 0)) throw new Error('retryPeriod must be positive');
}

export class LeaderElector {
  private readonly store: LeaseStore;
  private readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly clock: Clock;
  private readonly options: LeaderElectorOptions;

  private leading = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private watchdog: TimerHandle | undefined;
  private observedKey = '';
  private observedAt = 0;
  private currentLeader = '';
  private leadershipWaiters: Array<() => void> = [];

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.store = options.store;
    this.identity = options.identity;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.clock = options.clock ?? realClock;
    validateTimings(this.leaseDurationMs, this.renewDeadlineMs, this.retryPeriodMs);
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder this replica last observed ('' when none). */
  leader(): string {
    return this.currentLeader;
  }

  /** Resolves when this replica becomes leader. */
  waitForLeadership(): Promise<void> {
    if (this.leading) return Promise.resolve();
    return new Promise((resolve) => this.leadershipWaiters.push(resolve));
  }

  start(): this {
    if (!this.loop) this.loop = this.run();
    return this;
  }

  /** Stops campaigning; a leader releases the lease (holderIdentity cleared) before this resolves. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    if (this.leading) {
      this.leading = false;
      this.watchdog?.cancel();
      await this.release();
      this.options.onStoppedLeading?.('released');
    }
  }

  private async run(): Promise<void> {
    // Campaign until we lead.
    let acquired = false;
    while (!this.stopped) {
      acquired = await this.attempt();
      if (acquired) break;
      await this.sleep(this.retryPeriodMs * (1 + Math.random() * 0.2));
    }
    if (this.stopped) {
      if (acquired) await this.release();
      return;
    }
    this.leading = true;
    this.armWatchdog();
    this.options.logger?.info({ identity: this.identity, lease: this.store.describe() }, 'became leader');
    this.options.onStartedLeading?.();
    for (const w of this.leadershipWaiters.splice(0)) w();
    // Renew until stopped or lost. Leadership once lost is not sought again: the process restarts.
    while (!this.stopped && this.leading) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopped || !this.leading) break;
      const renewed = await this.attempt();
      if (!this.leading) {
        // The watchdog already gave up; a renewal that landed late must not keep others waiting.
        if (renewed) await this.release();
        break;
      }
      if (renewed) this.armWatchdog();
      else if (this.currentLeader && this.currentLeader !== this.identity) this.lose('taken-over');
    }
  }

  private armWatchdog(): void {
    this.watchdog?.cancel();
    this.watchdog = this.clock.setTimer(() => this.lose('renew-deadline'), this.renewDeadlineMs);
  }

  private lose(reason: StoppedLeadingReason): void {
    if (!this.leading) return;
    this.leading = false;
    this.watchdog?.cancel();
    this.options.logger?.warn(
      { identity: this.identity, lease: this.store.describe(), reason },
      'lost leadership',
    );
    this.options.onStoppedLeading?.(reason);
    this.wake?.();
  }

  private observe(snapshot: LeaseSnapshot | undefined, now: number): void {
    const key = JSON.stringify(snapshot?.spec ?? null);
    if (key !== this.observedKey) {
      this.observedKey = key;
      this.observedAt = now;
    }
    const holder = snapshot?.spec.holderIdentity ?? '';
    if (holder !== this.currentLeader) {
      this.currentLeader = holder;
      this.options.onNewLeader?.(holder);
    }
  }

  /** One tryAcquireOrRenew; errors count as a failed attempt. */
  private async attempt(): Promise<boolean> {
    try {
      const current = await this.store.get();
      this.observe(current, this.clock.now());
      const decision = decide({
        now: this.clock.now(),
        identity: this.identity,
        leaseDurationMs: this.leaseDurationMs,
        current,
        observedAt: this.observedAt,
      });
      if (decision.action === 'wait') return false;
      const written =
        decision.action === 'create'
          ? await this.store.create(decision.spec)
          : await this.store.update(decision.spec, decision.resourceVersion);
      if (!written) return false;
      this.observe(written, this.clock.now());
      return true;
    } catch (err) {
      this.options.logger?.warn(
        {
          identity: this.identity,
          lease: this.store.describe(),
          err: err instanceof Error ? err.message : String(err),
        },
        'leader election attempt failed',
      );
      return false;
    }
  }

  private async release(): Promise<void> {
    try {
      const current = await this.store.get();
      if (!current || current.spec.holderIdentity !== this.identity) return;
      const now = toMicroTime(this.clock.now());
      const released = await this.store.update(
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: current.spec.leaseTransitions ?? 0,
        },
        current.resourceVersion,
      );
      if (released) this.observe(released, this.clock.now());
    } catch (err) {
      // The lease then simply expires after leaseDuration.
      this.options.logger?.warn(
        { identity: this.identity, err: err instanceof Error ? err.message : String(err) },
        'could not release the lease',
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimer(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        timer.cancel();
        this.wake = undefined;
        resolve();
      };
    });
  }
}
