import { randomUUID } from 'node:crypto';
import type { Logger } from '../server/logger.ts';
import type { Redis } from './redis.ts';

/** Replaced (with a random value) by every catalog invalidation, on any replica. */
export const CATALOG_VERSION_KEY = 'catalog:version';

/**
 * This replica's view of the catalog version, polled from Redis every `pollMs`.
 *
 * The in-process cache serves an entry only if it was stored under the version read by a poll that
 * *started* less than `maxStalenessMs` ago. A write anywhere replaces the version after it commits,
 * so a poll that starts after that sees the new value: no replica serves an entry older than the
 * write once `maxStalenessMs` has passed, however late timers fire (a late poll makes the local
 * cache step aside, it never extends its trust). Redis unreachable: no poll succeeds, and after
 * `maxStalenessMs` every read goes the shared (Redis, then Postgres) way.
 */
export class CatalogVersion {
  readonly #redis: Redis;
  readonly #logger: Logger;
  readonly #pollMs: number;
  readonly maxStalenessMs: number;
  #value: string | undefined;
  #readAt = -Infinity;
  #timer: NodeJS.Timeout | undefined;
  #polling = false;

  constructor(options: { redis: Redis; logger: Logger; pollMs: number; maxStalenessMs: number }) {
    this.#redis = options.redis;
    this.#logger = options.logger;
    this.#pollMs = options.pollMs;
    this.maxStalenessMs = options.maxStalenessMs;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.poll(), this.#pollMs);
    this.#timer.unref();
    void this.poll();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The version entries may be served under now, or undefined when the last good poll is too old. */
  current(now = performance.now()): string | undefined {
    return now - this.#readAt <= this.maxStalenessMs ? this.#value : undefined;
  }

  /** After this replica replaced the version itself: trust it at once (read-your-writes). */
  replaced(value: string, startedAt: number): void {
    if (startedAt >= this.#readAt) {
      this.#value = value;
      this.#readAt = startedAt;
    }
  }

  /** After a failed invalidation: serve nothing locally until a poll that starts now succeeds. */
  distrust(): void {
    this.#value = undefined;
    this.#readAt = performance.now();
  }

  async poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    const startedAt = performance.now();
    try {
      let value = await this.#redis.get(CATALOG_VERSION_KEY);
      if (value === null) {
        // First start, or Redis lost its data: any fresh value differs from every value seen before.
        await this.#redis.set(CATALOG_VERSION_KEY, randomUUID(), 'NX');
        value = await this.#redis.get(CATALOG_VERSION_KEY);
      }
      if (value !== null && startedAt >= this.#readAt) {
        this.#value = value;
        this.#readAt = startedAt;
      }
    } catch (err) {
      this.#logger.debug({ err: (err as Error).message }, 'catalog version poll failed');
    } finally {
      this.#polling = false;
    }
  }
}
