// One memory-reducing garbage collection once a burst of reconciles is over. A burst (a fresh
// operator listing and re-reconciling 1,000 Storefronts, or 1,000 created at once) leaves the V8
// heap holding its garbage: nothing collects it while the process is idle, because V8 collects
// when JavaScript allocates and its memory reducer waits for signals Node does not send. Measured
// among 1,000 Storefronts, a fresh operator sat at 281 MiB with 159 MiB of heap "used" of which
// ~75 MiB was live, for as long as nothing happened; a plain gc() brought it to 259 MiB, because
// V8 keeps the pages it freed (see LAST_RESORT_GC). The image starts node with --expose-gc; run
// without it, this does nothing.
import type { Logger } from './logger.ts';
import type { Runnable } from './manager.ts';

export interface IdleGcOptions {
  /** Reconciles started so far (a counter that only grows: Controller.reconciles). */
  reconciles: () => number;
  /** Whether the work queue is empty with nothing in flight. */
  idle: () => boolean;
  logger: Logger;
  /** A burst is at least this many reconciles. @default 100 */
  burst?: number;
  /** How often the queue is looked at. @default 5_000 */
  checkEveryMs?: number;
  /** The collector (globalThis.gc under --expose-gc); undefined turns this off. */
  gc?: (() => void) | undefined;
}

export class IdleGc implements Runnable {
  readonly name = 'idle-gc';
  private readonly options: IdleGcOptions;
  private timer: NodeJS.Timeout | undefined;
  private collectedAt = 0;
  private wasIdle = true;

  constructor(options: IdleGcOptions) {
    this.options = options;
  }

  start(): void {
    if (!this.options.gc || this.timer) return;
    this.timer = setInterval(() => this.check(), this.options.checkEveryMs ?? 5_000);
    // It must not keep the process alive on its own.
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Collects when the queue has been idle for two checks in a row after at least `burst`
   * reconciles since the last collection. Public for tests.
   */
  check(): boolean {
    const idle = this.options.idle();
    const idleTwice = idle && this.wasIdle;
    this.wasIdle = idle;
    const done = this.options.reconciles();
    if (!idleTwice || done - this.collectedAt < (this.options.burst ?? 100)) return false;
    this.collectedAt = done;
    const before = process.memoryUsage();
    const started = performance.now();
    this.options.gc?.();
    const after = process.memoryUsage();
    const mib = (n: number) => Math.round(n / 2 ** 20);
    this.options.logger.info(
      {
        reconciles: done,
        ms: Math.round(performance.now() - started),
        heapUsedMiB: [mib(before.heapUsed), mib(after.heapUsed)],
        rssMiB: [mib(before.rss), mib(after.rss)],
      },
      'collected garbage after a burst of reconciles',
    );
    return true;
  }
}

/**
 * The options V8's gc() takes for a memory-reducing collection: "last-resort" collects until
 * nothing more is freed, compacting the old generation as it goes, and hands the emptied pages
 * back to the system. A plain gc() frees the same objects but keeps most of their pages: on the
 * fragmented heap of idle-gc.test.ts (Node 24) it left heapTotal at 56% of before and RSS
 * unchanged (108 MiB), where "last-resort" left 21% and RSS at 61 MiB.
 */
export const LAST_RESORT_GC = { type: 'major', execution: 'sync', flavor: 'last-resort' } as const;

/** globalThis.gc when node runs with --expose-gc, called for a memory-reducing collection. */
export function exposedGc(): (() => void) | undefined {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function'
    ? () => (gc as (options: typeof LAST_RESORT_GC) => void)(LAST_RESORT_GC)
    : undefined;
}
