// A keyed work queue with client-go semantics: a key is queued at most once, is never handled by
// two workers at the same time (a key added while it is being handled runs again afterwards),
// failures back off exponentially per key, and shutdown can drain what is queued.

import { type Clock, realClock, type TimerHandle } from '../core/clock.ts';

/** What a handler may ask for after a successful run. */
export interface HandlerResult {
  /** Run the key again after this delay (a periodic resync); the failure count is reset. */
  requeueAfterMs?: number;
}

export type KeyHandler = (key: string) => Promise<HandlerResult | undefined> | Promise<void>;

export interface WorkQueueHooks {
  /** Called whenever the number of queued (not in-flight) keys changes. */
  onDepth?(depth: number): void;
  /** Time a key waited between being queued and a worker taking it. */
  onQueueLatency?(ms: number): void;
  /** Time a handler took, with its outcome. */
  onWorkDuration?(ms: number, outcome: 'success' | 'error' | 'requeue'): void;
  /** A failed key was scheduled again after `delayMs`. */
  onRetry?(key: string, delayMs: number, error: unknown): void;
}

export interface WorkQueueOptions {
  /** Workers handling keys in parallel. @default 1 */
  concurrency?: number;
  /** First retry delay after a failure. @default 5 */
  baseDelayMs?: number;
  /** Ceiling of the per-key retry delay. @default 300_000 (5 minutes, like client-go) */
  maxDelayMs?: number;
  clock?: Clock;
  hooks?: WorkQueueHooks;
}

export interface ShutdownOptions {
  /** true: handle every key already queued, then resolve. false: drop queued keys, wait only for in-flight ones. */
  drain?: boolean;
  /** Resolve `false` instead of waiting longer than this. @default no limit */
  timeoutMs?: number;
}

/** client-go's ItemExponentialFailureRateLimiter: base * 2^failures, capped. */
export function backoffDelay(failures: number, baseDelayMs: number, maxDelayMs: number): number {
  const exp = Math.min(failures, 62);
  const delay = baseDelayMs * 2 ** exp;
  return Number.isFinite(delay) ? Math.min(delay, maxDelayMs) : maxDelayMs;
}

export class WorkQueue {
  private readonly concurrency: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly clock: Clock;
  private readonly hooks: WorkQueueHooks;

  private readonly order: string[] = [];
  /** Keys waiting to be handled (queued, or queued again while in flight), with their enqueue time. */
  private readonly dirty = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, { at: number; timer: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private handler: KeyHandler | undefined;
  private shuttingDown = false;
  private draining = true;
  private idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 1);
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 300_000;
    this.clock = options.clock ?? realClock;
    this.hooks = options.hooks ?? {};
  }

  /** Starts the workers; keys added before `start` are handled now. */
  start(handler: KeyHandler): void {
    if (this.handler) throw new Error('WorkQueue.start called twice');
    this.handler = handler;
    this.pump();
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    // The run this add asks for reads the state as it is then, which includes whatever a delayed
    // add of the same key was waiting to look at: that one would only run the key once more.
    const waiting = this.waiting.get(key);
    if (waiting) {
      waiting.timer.cancel();
      this.waiting.delete(key);
    }
    if (this.dirty.has(key)) return;
    this.dirty.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.order.push(key);
    this.hooks.onDepth?.(this.order.length);
    this.pump();
  }

  /**
   * Adds the key after `delayMs`; if it is already waiting, the earlier deadline wins. A key
   * already queued is left as it is: its run has not started, so it will see what this add was
   * for. (A fresh operator queues every Storefront at once and then hears of each one's children,
   * each asking for its Storefront a second later: without this, each Storefront ran twice.)
   */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.dirty.has(key)) return;
    const at = this.clock.now() + delayMs;
    const existing = this.waiting.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(() => {
      this.waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.waiting.set(key, { at, timer });
  }

  /** Adds the key after its per-key exponential backoff; returns the delay used. */
  addRateLimited(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = backoffDelay(n, this.baseDelayMs, this.maxDelayMs);
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the key's failure count (call after a success). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Keys queued and not yet taken by a worker. */
  len(): number {
    return this.order.length;
  }

  inFlight(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops accepting keys and cancels delayed ones. Resolves true once workers are idle
   * (after handling queued keys when `drain`), false if `timeoutMs` passed first.
   */
  shutdown(options: ShutdownOptions = {}): Promise<boolean> {
    this.shuttingDown = true;
    this.draining = options.drain ?? true;
    for (const w of this.waiting.values()) w.timer.cancel();
    this.waiting.clear();
    if (!this.draining || !this.handler) {
      for (const key of this.order) this.dirty.delete(key);
      this.order.length = 0;
      this.hooks.onDepth?.(0);
    }
    // Keys re-added while in flight are dropped: nothing new starts after shutdown unless draining.
    if (!this.draining) for (const key of this.processing) this.dirty.delete(key);
    const idle = new Promise<boolean>((resolve) => {
      if (this.isIdle()) {
        resolve(true);
        return;
      }
      let timer: TimerHandle | undefined;
      const done = () => {
        timer?.cancel();
        resolve(true);
      };
      this.idleWaiters.push(done);
      if (options.timeoutMs !== undefined) {
        timer = this.clock.setTimer(() => {
          this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
          resolve(false);
        }, options.timeoutMs);
      }
    });
    this.pump();
    return idle;
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && this.order.length === 0;
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (this.processing.size < this.concurrency && this.order.length > 0) {
      const key = this.order.shift()!;
      const queuedAt = this.dirty.get(key) ?? this.clock.now();
      this.dirty.delete(key);
      this.processing.add(key);
      this.hooks.onDepth?.(this.order.length);
      this.hooks.onQueueLatency?.(this.clock.now() - queuedAt);
      void this.run(handler, key);
    }
    if (this.isIdle() && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(handler: KeyHandler, key: string): Promise<void> {
    const started = this.clock.now();
    try {
      const result = (await handler(key)) as HandlerResult | undefined;
      this.forget(key);
      const after = result?.requeueAfterMs;
      this.hooks.onWorkDuration?.(this.clock.now() - started, after !== undefined ? 'requeue' : 'success');
      if (after !== undefined) this.addAfter(key, after);
    } catch (error) {
      this.hooks.onWorkDuration?.(this.clock.now() - started, 'error');
      if (!this.shuttingDown) {
        const delay = this.addRateLimited(key);
        this.hooks.onRetry?.(key, delay, error);
      }
    } finally {
      this.done(key);
    }
  }

  private done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      if (this.shuttingDown && !this.draining) {
        this.dirty.delete(key);
      } else {
        this.order.push(key);
        this.hooks.onDepth?.(this.order.length);
      }
    }
    this.pump();
  }
}
