// At most `limit` informer lists at a time. A fresh operator starts ~27 informers, and each
// list arrives as pages of raw JSON (a page of 500 Jobs with managedFields is ~5 MB of
// buffers, ~5 MB of text and three times that parsed) before it is shaped and cached: all at
// once, among 1,000 Storefronts, the V8 heap reached 173 MiB and the process 327 MiB, and
// neither gave the memory back once the cache had settled at ~75 MiB of live objects.

export class ListGate {
  private readonly limit: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`ListGate: limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /** Runs `fn` once fewer than `limit` others run; callers are served in order. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next caller (running stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Lists running now and waiting (for tests). */
  state(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
