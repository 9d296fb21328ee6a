import { createHash, randomUUID } from 'node:crypto';
import type { CachedBody, CatalogReadCache, CatalogScope } from '../domain/catalog.ts';
import type { Logger } from '../server/logger.ts';
import type { Metrics } from '../server/metrics.ts';
import { CATALOG_VERSION_KEY, type CatalogVersion } from './catalog-version.ts';
import type { Redis } from './redis.ts';
import { SingleFlight } from './single-flight.ts';

/**
 * Cache-aside for catalog reads, safe against the fill-versus-update race.
 *
 * Every cached value lives under a key that embeds two generation tokens: a global epoch and a
 * per-scope generation (one per product, one for all list pages). A writer commits to Postgres
 * first and then replaces the generation token(s) with fresh random values, so every key written
 * before the change becomes unreachable. A reader reads the tokens before it reads Postgres, and the
 * fill script writes only if the tokens are still the ones the reader saw: a reader that loaded the
 * old row and lost the race to a writer can never publish it under the new generation.
 *
 * Tokens are random (not counters) so that an evicted token key is recreated with a value no old
 * entry was ever stored under. If an invalidation cannot reach Redis, the cache is bypassed until
 * the global epoch has been replaced, which orphans everything cached before.
 *
 * In front of Redis sits an in-process tier: the serialised body with its ETag, per scope, valid
 * while the catalog version (data/catalog-version.ts) it was stored under is the one this replica
 * polled less than `maxStalenessMs` ago. Every invalidation replaces the version in the same MULTI
 * as the tokens, so another replica stops serving its copy within that bound; this replica, at once.
 */

const EPOCH_KEY = 'catalog:epoch';
const LIST_GEN_KEY = 'catalog:gen:list';

// KEYS[1] epoch, KEYS[2] scope generation; ARGV[1] value-key prefix, ARGV[2] fresh token, used only
// when a token key is missing. Returns { "<epoch>:<gen>", value-or-false }.
const READ_SCRIPT = `
local e = redis.call('GET', KEYS[1])
if not e then e = ARGV[2] .. 'e'; redis.call('SET', KEYS[1], e) end
local g = redis.call('GET', KEYS[2])
if not g then g = ARGV[2] .. 'g'; redis.call('SET', KEYS[2], g) end
local token = e .. ':' .. g
return { token, redis.call('GET', ARGV[1] .. ':' .. token) }
`;

// KEYS as above; ARGV[1] prefix, ARGV[2] token seen before loading, ARGV[3] value, ARGV[4] ttl.
const FILL_SCRIPT = `
local e = redis.call('GET', KEYS[1])
local g = redis.call('GET', KEYS[2])
if not e or not g or (e .. ':' .. g) ~= ARGV[2] then return 0 end
redis.call('SET', ARGV[1] .. ':' .. ARGV[2], ARGV[3], 'EX', tonumber(ARGV[4]))
return 1
`;

export interface CacheScope {
  generationKey: string;
  prefix: string;
}

export const productScope = (id: number): CacheScope => ({
  generationKey: `catalog:gen:product:${id}`,
  prefix: `catalog:product:${id}`,
});

export const listScope = (limit: number, cursor: string): CacheScope => ({
  generationKey: LIST_GEN_KEY,
  prefix: `catalog:list:${limit}:${cursor}`,
});

/** Redis keys of a domain scope; `namespace` keeps builds with other asset URLs apart. */
function redisScope(scope: CatalogScope, namespace: string): CacheScope {
  const s = scope.kind === 'product' ? productScope(scope.id) : listScope(scope.limit, scope.cursor ?? '-');
  return { generationKey: s.generationKey, prefix: `${namespace}:${s.prefix}` };
}

/** A strong validator of the exact bytes. */
export function etagOf(json: string): string {
  return `"${createHash('sha1').update(json).digest('base64url')}"`;
}

export function cachedBody(json: string): CachedBody {
  return { json, body: Buffer.from(json), etag: etagOf(json) };
}

/** The in-process tier's key of a domain scope. */
function localKey(scope: CatalogScope, namespace: string): string {
  return `${namespace}:${scope.kind === 'product' ? `p${scope.id}` : `l${scope.limit}:${scope.cursor ?? '-'}`}`;
}

/** Local entries kept at most; past it the tier starts over (the catalog's pages are few). */
const LOCAL_MAX_ENTRIES = 2_000;

type Outcome = 'hit' | 'miss' | 'error' | 'bypass';

export class CatalogCache implements CatalogReadCache {
  readonly #redis: Redis | undefined;
  readonly #ttlSeconds: number;
  readonly #metrics: Metrics | undefined;
  readonly #logger: Logger;
  readonly #flights = new SingleFlight<string>();
  readonly #version: CatalogVersion | undefined;
  readonly #local = new Map<string, { version: string; body: CachedBody }>();
  #epochStale = false;

  constructor(options: {
    redis?: Redis;
    ttlSeconds: number;
    metrics?: Metrics;
    logger: Logger;
    /** Enables the in-process tier (needs Redis: that is how other replicas' writes are learnt). */
    version?: CatalogVersion;
  }) {
    this.#redis = options.redis;
    this.#ttlSeconds = options.ttlSeconds;
    this.#metrics = options.metrics;
    this.#logger = options.logger;
    this.#version = options.redis ? options.version : undefined;
    if (this.#redis) {
      this.#redis.defineCommand('catalogRead', { numberOfKeys: 2, lua: READ_SCRIPT });
      this.#redis.defineCommand('catalogFill', { numberOfKeys: 2, lua: FILL_SCRIPT });
    }
  }

  get enabled(): boolean {
    return this.#redis !== undefined;
  }

  /** The single-flight group, exposed so tests can observe coalesced callers. */
  get flights(): SingleFlight<string> {
    return this.#flights;
  }

  /**
   * The serialised value of a domain scope, from this process, else Redis, else `load`. The body is
   * stored locally under the version trusted when the read began, so a value loaded before a
   * concurrent write is never served after this replica learns of that write.
   */
  async readBody(scope: CatalogScope, namespace: string, load: () => Promise<string>): Promise<CachedBody> {
    const key = localKey(scope, namespace);
    const version = this.#version?.current();
    if (version !== undefined) {
      const hit = this.#localHit(key, version);
      if (hit) return hit;
      this.#metrics?.countCatalogLocal('miss');
    }
    const body = cachedBody(await this.read(redisScope(scope, namespace), load));
    if (version !== undefined && this.#version?.current() !== undefined) {
      if (this.#local.size >= LOCAL_MAX_ENTRIES) this.#local.clear();
      this.#local.set(key, { version, body });
    }
    return body;
  }

  /**
   * The in-process copy of a scope when this replica may serve it now (the same test as readBody),
   * else undefined and nothing counted: the caller then takes the readBody way, which counts.
   * Synchronous, so a cached answer can be sent without a trip through the promise queue.
   */
  peekBody(scope: CatalogScope, namespace: string): CachedBody | undefined {
    const version = this.#version?.current();
    return version === undefined ? undefined : this.#localHit(localKey(scope, namespace), version);
  }

  #localHit(key: string, version: string): CachedBody | undefined {
    const entry = this.#local.get(key);
    if (!entry || entry.version !== version) return undefined;
    this.#count('hit');
    this.#metrics?.countCatalogLocal('hit');
    return entry.body;
  }

  /** Returns the serialized value for `scope`, loading it with `load` on a miss. */
  async read(scope: CacheScope, load: () => Promise<string>): Promise<string> {
    const redis = this.#redis;
    if (!redis || !(await this.#epochUsable(redis))) {
      this.#count(redis ? 'error' : 'bypass');
      return load();
    }
    let token: string;
    try {
      const [seen, cached] = (await (redis as RedisWithScripts).catalogRead(
        EPOCH_KEY,
        scope.generationKey,
        scope.prefix,
        randomUUID(),
      )) as [string, string | null];
      if (cached !== null) {
        this.#count('hit');
        return cached;
      }
      token = seen;
    } catch (err) {
      this.#count('error');
      this.#logger.debug({ err: (err as Error).message }, 'cache read failed; reading postgres');
      return load();
    }
    this.#count('miss');
    return this.#flights.run(`${scope.prefix}:${token}`, async () => {
      const value = await load();
      try {
        await (redis as RedisWithScripts).catalogFill(
          EPOCH_KEY,
          scope.generationKey,
          scope.prefix,
          token,
          value,
          this.#ttlSeconds,
        );
      } catch (err) {
        this.#logger.debug({ err: (err as Error).message }, 'cache fill failed');
      }
      return value;
    });
  }

  /** Call after the change is committed: orphans cached entries for these products and all lists. */
  async invalidateProducts(ids: readonly number[]): Promise<void> {
    const redis = this.#redis;
    if (!redis) return;
    // This replica's copies are from before the change, whatever happens next.
    this.#local.clear();
    const startedAt = performance.now();
    const version = randomUUID();
    try {
      const multi = redis.multi();
      for (const id of new Set(ids)) multi.set(productScope(id).generationKey, randomUUID());
      multi.set(LIST_GEN_KEY, randomUUID());
      multi.set(CATALOG_VERSION_KEY, version);
      const results = await multi.exec();
      if (!results || results.some(([err]) => err)) throw new Error('invalidation transaction failed');
      this.#version?.replaced(version, startedAt);
    } catch (err) {
      // Redis may still hold entries from before the change: stop trusting it until the epoch moves
      // (replacing the epoch replaces the version too, so other replicas drop their copies then).
      this.#version?.distrust();
      this.#epochStale = true;
      this.#logger.warn({ err: (err as Error).message }, 'cache invalidation failed; bypassing cache');
    }
  }

  async #epochUsable(redis: Redis): Promise<boolean> {
    if (!this.#epochStale) return true;
    try {
      const startedAt = performance.now();
      const version = randomUUID();
      await redis.multi().set(EPOCH_KEY, randomUUID()).set(CATALOG_VERSION_KEY, version).exec();
      this.#local.clear();
      this.#version?.replaced(version, startedAt);
      this.#epochStale = false;
      this.#logger.info('cache epoch replaced after a failed invalidation');
      return true;
    } catch {
      return false;
    }
  }

  #count(outcome: Outcome) {
    this.#metrics?.countCacheRequest(outcome);
  }
}

interface RedisWithScripts extends Redis {
  catalogRead(...args: (string | number)[]): Promise<unknown>;
  catalogFill(...args: (string | number)[]): Promise<unknown>;
}
