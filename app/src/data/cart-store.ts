import type { Metrics } from '../server/metrics.ts';
import { type Pool, query, withTransaction } from './db.ts';
import type { Redis } from './redis.ts';

export const CART_TTL_SECONDS = 7 * 24 * 3600;
export const MAX_LINE_QUANTITY = 99;
export const MAX_CART_LINES = 50;

export type CartLines = Map<number, number>;

export type AddResult = { ok: true; lines: CartLines } | { ok: false; reason: 'not_found' | 'too_many' };

const cartKey = (id: string) => `cart:${id}`;

// KEYS[1] cart hash; ARGV[1] product id, ARGV[2] quantity to add, ARGV[3] ttl, ARGV[4] max per line,
// ARGV[5] max lines. Returns the flattened hash, or a number on refusal (0 missing, -1 too many lines).
const ADD_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if current == 0 and redis.call('HLEN', KEYS[1]) - 1 >= tonumber(ARGV[5]) then return -1 end
local next = math.min(current + tonumber(ARGV[2]), tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], ARGV[1], next)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return redis.call('HGETALL', KEYS[1])
`;

/**
 * Carts live in Redis (a hash per cart with a sliding TTL). When Redis cannot be reached, new carts
 * and their items go to Postgres instead, and lookups check Redis first, then Postgres; a cart stays
 * in the store it was created in. The hash holds a "_" marker field so an empty cart still exists.
 */
export class CartStore {
  readonly #redis: Redis | undefined;
  readonly #pool: Pool;
  readonly #metrics: Metrics | undefined;

  constructor(options: { redis?: Redis; pool: Pool; metrics?: Metrics }) {
    this.#redis = options.redis;
    this.#pool = options.pool;
    this.#metrics = options.metrics;
    this.#redis?.defineCommand('cartAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
  }

  async create(id: string): Promise<'redis' | 'postgres'> {
    if (this.#redis) {
      try {
        await this.#redis.multi().hset(cartKey(id), '_', '1').expire(cartKey(id), CART_TTL_SECONDS).exec();
        this.#count('redis');
        return 'redis';
      } catch {
        // fall through to Postgres
      }
    }
    await query(
      this.#pool,
      `INSERT INTO carts (id, expires_at) VALUES ($1, now() + make_interval(secs => $2))`,
      [id, CART_TTL_SECONDS],
    );
    this.#count('postgres');
    return 'postgres';
  }

  /** The cart's lines, or undefined when no store knows the cart (unknown or expired). */
  async get(id: string): Promise<CartLines | undefined> {
    const fromRedis = await this.#redisGet(id);
    if (fromRedis) return fromRedis;
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

  async add(id: string, productId: number, quantity: number): Promise<AddResult> {
    if (this.#redis) {
      try {
        const reply = (await (
          this.#redis as Redis & { cartAdd: (...a: unknown[]) => Promise<unknown> }
        ).cartAdd(cartKey(id), productId, quantity, CART_TTL_SECONDS, MAX_LINE_QUANTITY, MAX_CART_LINES)) as
          | string[]
          | number;
        if (Array.isArray(reply)) {
          this.#count('redis');
          return { ok: true, lines: linesFromHash(reply) };
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
      const lines = await query<{ n: string }>(
        tx,
        'SELECT count(*) AS n FROM cart_items WHERE cart_id = $1 AND product_id <> $2',
        [id, productId],
      );
      if (Number(lines.rows[0]!.n) >= MAX_CART_LINES) return { ok: false, reason: 'too_many' } as const;
      await query(
        tx,
        `INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ($1, $2, LEAST($3::int, $4::int))
         ON CONFLICT (cart_id, product_id)
         DO UPDATE SET quantity = LEAST(cart_items.quantity + EXCLUDED.quantity, $4::int)`,
        [id, productId, quantity, MAX_LINE_QUANTITY],
      );
      await query(tx, 'UPDATE carts SET expires_at = now() + make_interval(secs => $2) WHERE id = $1', [
        id,
        CART_TTL_SECONDS,
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

  /** Removes one line; returns false when the cart does not exist. */
  async remove(id: string, productId: number): Promise<boolean> {
    if (this.#redis) {
      try {
        if ((await this.#redis.exists(cartKey(id))) === 1) {
          await this.#redis.hdel(cartKey(id), String(productId));
          return true;
        }
      } catch {
        // fall through
      }
    }
    const { rowCount } = await query(this.#pool, 'SELECT 1 FROM carts WHERE id = $1 AND expires_at > now()', [
      id,
    ]);
    if (rowCount === 0) return false;
    await query(this.#pool, 'DELETE FROM cart_items WHERE cart_id = $1 AND product_id = $2', [id, productId]);
    return true;
  }

  /** Forgets the cart everywhere (after its order committed). Best effort on Redis. */
  async delete(id: string): Promise<void> {
    if (this.#redis) await this.#redis.del(cartKey(id)).catch(() => 0);
    await query(this.#pool, 'DELETE FROM carts WHERE id = $1', [id]);
  }

  async #redisGet(id: string): Promise<CartLines | undefined> {
    if (!this.#redis) return undefined;
    try {
      const hash = await this.#redis.hgetall(cartKey(id));
      if (Object.keys(hash).length === 0) return undefined;
      this.#count('redis');
      return linesFromHash(Object.entries(hash).flat());
    } catch {
      return undefined;
    }
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
