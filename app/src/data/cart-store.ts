import type { CartChange, CartLines, CartRules, CartStorage } from '../domain/cart-rules.ts';
import type { Metrics } from '../server/metrics.ts';
import { type Pool, query, withTransaction } from './db.ts';
import type { Redis } from './redis.ts';

const cartKey = (id: string) => `cart:${id}`;
/** Sorted set of cart ids by expiry (ms): what the sweep reads. */
const EXPIRY_INDEX = 'carts:expiry';

/*
 * Carts in Redis carry no Redis TTL on purpose. The shop's Redis evicts with `volatile-lru`: only
 * keys with a TTL (the catalog cache) are eviction candidates, so a flood of catalog reads can never
 * evict a shopper's cart. Expiry is ours instead: the hash's "_" field holds the expiry time (ms,
 * Redis's clock), the scripts treat an expired cart as missing, and sweepExpired() deletes them
 * through the EXPIRY_INDEX sorted set. If carts alone fill Redis, writes fail with OOM and new carts
 * go to Postgres, as when Redis is down.
 */

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const ALIVE = `local exp = tonumber(redis.call('HGET', KEYS[1], '_') or '0'); if exp <= now then return 0 end`;
const TOUCH = `redis.call('HSET', KEYS[1], '_', now + tonumber(ARGV[3]) * 1000); redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]) * 1000, ARGV[5])`;

// KEYS[1] cart, KEYS[2] index; ARGV[1] flattened "product qty ..." pairs (may be empty), ARGV[2] ttl s, ARGV[3] id.
const CREATE_SCRIPT = `${NOW}
local exp = now + tonumber(ARGV[2]) * 1000
redis.call('HSET', KEYS[1], '_', exp)
for p, q in string.gmatch(ARGV[1], '(%d+) (%d+)') do redis.call('HSET', KEYS[1], p, q) end
redis.call('ZADD', KEYS[2], exp, ARGV[3])
return 1`;

// KEYS[1] cart. Returns the flattened hash, or 0 when missing/expired.
const GET_SCRIPT = `${NOW}
${ALIVE}
return redis.call('HGETALL', KEYS[1])`;

// KEYS[1] cart, KEYS[2] index; ARGV[1] product, ARGV[2] quantity, ARGV[3] ttl s, ARGV[4] max per line,
// ARGV[5] id, ARGV[6] max lines, ARGV[7] "add" or "set". Returns the hash, 0 (missing) or -1 (too many lines).
const CHANGE_SCRIPT = `${NOW}
${ALIVE}
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
local q = tonumber(ARGV[2])
if ARGV[7] == 'add' then q = math.min(current + q, tonumber(ARGV[4])) end
if q <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  if current == 0 and redis.call('HLEN', KEYS[1]) - 1 >= tonumber(ARGV[6]) then return -1 end
  redis.call('HSET', KEYS[1], ARGV[1], q)
end
${TOUCH}
return redis.call('HGETALL', KEYS[1])`;

// KEYS[1] index; ARGV[1] batch size. Deletes carts whose expiry passed; returns how many.
const SWEEP_SCRIPT = `${NOW}
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  local key = 'cart:' .. id
  local exp = tonumber(redis.call('HGET', key, '_') or '0')
  if exp <= now then redis.call('DEL', key) end
  redis.call('ZREM', KEYS[1], id)
end
return #ids`;

const SWEEP_BATCH = 1000;

type Scripted = Redis & {
  cartCreate(...a: (string | number)[]): Promise<unknown>;
  cartGet(...a: (string | number)[]): Promise<unknown>;
  cartChange(...a: (string | number)[]): Promise<unknown>;
  cartSweep(...a: (string | number)[]): Promise<unknown>;
};

/**
 * Carts live in Redis (a hash per cart). When Redis cannot be reached (or is full), new carts and
 * their items go to Postgres instead, and lookups check Redis first, then Postgres; a cart stays in
 * the store it was created in. The rules (lifetimes, line limits) come from the domain.
 */
export class CartStore implements CartStorage {
  readonly #redis: Scripted | undefined;
  readonly #pool: Pool;
  readonly #metrics: Metrics | undefined;

  constructor(options: { redis?: Redis; pool: Pool; metrics?: Metrics }) {
    this.#redis = options.redis as Scripted | undefined;
    this.#pool = options.pool;
    this.#metrics = options.metrics;
    this.#redis?.defineCommand('cartCreate', { numberOfKeys: 2, lua: CREATE_SCRIPT });
    this.#redis?.defineCommand('cartGet', { numberOfKeys: 1, lua: GET_SCRIPT });
    this.#redis?.defineCommand('cartChange', { numberOfKeys: 2, lua: CHANGE_SCRIPT });
    this.#redis?.defineCommand('cartSweep', { numberOfKeys: 1, lua: SWEEP_SCRIPT });
  }

  async create(id: string, lines: CartLines, rules: CartRules): Promise<void> {
    const ttl = lines.size > 0 ? rules.ttlSeconds : rules.emptyTtlSeconds;
    if (this.#redis) {
      try {
        const pairs = [...lines].map(([p, q]) => `${p} ${q}`).join(' ');
        await this.#redis.cartCreate(cartKey(id), EXPIRY_INDEX, pairs, ttl, id);
        this.#count('redis');
        return;
      } catch {
        // fall through to Postgres
      }
    }
    await withTransaction(this.#pool, async (tx) => {
      await query(tx, `INSERT INTO carts (id, expires_at) VALUES ($1, now() + make_interval(secs => $2))`, [
        id,
        ttl,
      ]);
      if (lines.size > 0) {
        await query(
          tx,
          'INSERT INTO cart_items (cart_id, product_id, quantity) SELECT $1, * FROM unnest($2::int[], $3::int[])',
          [id, [...lines.keys()], [...lines.values()]],
        );
      }
    });
    this.#count('postgres');
  }

  /** The cart's lines, or undefined when no store knows the cart (unknown or expired). */
  async get(id: string): Promise<CartLines | undefined> {
    if (this.#redis) {
      try {
        const reply = await this.#redis.cartGet(cartKey(id));
        if (Array.isArray(reply)) {
          this.#count('redis');
          return linesFromHash(reply as string[]);
        }
      } catch {
        // Redis unreachable: look in Postgres.
      }
    }
    const { rows } = await query<{ product_id: number | null; quantity: number | null }>(
      this.#pool,
      `SELECT i.product_id, i.quantity FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id
       WHERE c.id = $1 AND c.expires_at > now() ORDER BY i.product_id`,
      [id],
    );
    if (rows.length === 0) return undefined;
    this.#count('postgres');
    return new Map(rows.filter((r) => r.product_id !== null).map((r) => [r.product_id!, r.quantity!]));
  }

  add(id: string, productId: number, quantity: number, rules: CartRules): Promise<CartChange> {
    return this.#change('add', id, productId, quantity, rules);
  }

  setQuantity(id: string, productId: number, quantity: number, rules: CartRules): Promise<CartChange> {
    return this.#change('set', id, productId, quantity, rules);
  }

  async #change(
    mode: 'add' | 'set',
    id: string,
    productId: number,
    quantity: number,
    rules: CartRules,
  ): Promise<CartChange> {
    if (this.#redis) {
      try {
        const reply = await this.#redis.cartChange(
          cartKey(id),
          EXPIRY_INDEX,
          productId,
          quantity,
          rules.ttlSeconds,
          rules.maxLineQuantity,
          id,
          rules.maxLines,
          mode,
        );
        if (Array.isArray(reply)) {
          this.#count('redis');
          return { ok: true, lines: linesFromHash(reply as string[]) };
        }
        if (reply === -1) return { ok: false, reason: 'too_many' };
        // 0: not in Redis; it may be a cart created in Postgres while Redis was down.
      } catch {
        // Redis unreachable: try Postgres.
      }
    }
    return withTransaction(this.#pool, async (tx) => {
      const cart = await query(tx, 'SELECT 1 FROM carts WHERE id = $1 AND expires_at > now() FOR UPDATE', [
        id,
      ]);
      if (cart.rowCount === 0) return { ok: false, reason: 'not_found' } as const;
      if (mode === 'set' && quantity <= 0) {
        await query(tx, 'DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2', [id, productId]);
      } else {
        const lines = await query<{ n: string }>(
          tx,
          'SELECT count(*) AS n FROM cart_items WHERE cart_id = $1 AND product_id <> $2',
          [id, productId],
        );
        const exists = await query(tx, 'SELECT 1 FROM cart_items WHERE cart_id = $1 AND product_id = $2', [
          id,
          productId,
        ]);
        if (exists.rowCount === 0 && Number(lines.rows[0]!.n) >= rules.maxLines)
          return { ok: false, reason: 'too_many' } as const;
        await query(
          tx,
          `INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, LEAST($3::int, $4::int))
           ON CONFLICT (cart_id, product_id)
           DO UPDATE SET quantity = LEAST(${mode === 'add' ? 'cart_items.quantity + ' : ''}EXCLUDED.quantity, $4::int)`,
          [id, productId, quantity, rules.maxLineQuantity],
        );
      }
      await query(tx, 'UPDATE carts SET expires_at = now() + make_interval(secs => $2) WHERE id = $1', [
        id,
        rules.ttlSeconds,
      ]);
      const { rows } = await query<{ product_id: number; quantity: number }>(
        tx,
        'SELECT product_id, quantity FROM cart_items WHERE cart_id = $1 ORDER BY product_id',
        [id],
      );
      this.#count('postgres');
      return { ok: true, lines: new Map(rows.map((r) => [r.product_id, r.quantity])) } as const;
    });
  }

  /** Forgets the cart everywhere (after its order committed). Best effort on Redis. */
  async delete(id: string): Promise<void> {
    if (this.#redis) {
      await this.#redis
        .multi()
        .del(cartKey(id))
        .zrem(EXPIRY_INDEX, id)
        .exec()
        .catch(() => undefined);
    }
    await query(this.#pool, 'DELETE FROM carts WHERE id = $1', [id]);
  }

  /**
   * Deletes expired carts from both stores (Postgres in one statement, lines by cascade; Redis in
   * batches through the expiry index). Returns how many went. Redis unreachable: Postgres only.
   */
  async sweepExpired(): Promise<number> {
    let swept = 0;
    if (this.#redis) {
      try {
        for (;;) {
          const n = Number(await this.#redis.cartSweep(EXPIRY_INDEX, SWEEP_BATCH));
          swept += n;
          if (n < SWEEP_BATCH) break;
        }
      } catch {
        // next sweep
      }
    }
    const { rowCount } = await query(this.#pool, 'DELETE FROM carts WHERE expires_at <= now()');
    return swept + (rowCount ?? 0);
  }

  #count(store: 'redis' | 'postgres') {
    this.#metrics?.cartStore.inc({ store });
  }
}

function linesFromHash(flat: string[]): CartLines {
  const lines: CartLines = new Map();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === '_') continue;
    lines.set(Number(flat[i]), Number(flat[i + 1]));
  }
  return new Map([...lines].sort((a, b) => a[0] - b[0]));
}
