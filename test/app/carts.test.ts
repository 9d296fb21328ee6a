import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/src/config/config.ts';
import { CART_TTL_SECONDS, EMPTY_CART_TTL_SECONDS } from '../../app/src/domain/cart-rules.ts';
import { createLogger } from '../../app/src/server/logger.ts';
import { startWebServer } from '../../app/src/server/server.ts';
import { REDIS_EVICTION_POLICY } from '../../operator/render/redis.ts';
import { startRedis } from './support/redis.ts';
import { request, startShop, type TestShop } from './support/shop.ts';

let shop: TestShop;
let redis: Redis;

beforeAll(async () => {
  shop = await startShop();
  redis = new Redis(shop.redis!.url);
});
afterAll(async () => {
  redis?.disconnect();
  await shop?.close();
});

async function createProduct(sku: string, stock = 50): Promise<number> {
  const res = await shop.admin('/api/products', 'POST', {
    sku,
    name: `Product ${sku}`,
    priceCents: 1000,
    stock,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

/** Seconds until the cart's own expiry field (Redis's clock). */
async function secondsLeft(id: string): Promise<number> {
  const [expires, [seconds, micros]] = await Promise.all([redis.hget(`cart:${id}`, '_'), redis.time()]);
  return (Number(expires) - (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000))) / 1000;
}

describe('carts', () => {
  it('when a cart is created with its first item, then it holds it and lives the full cart lifetime', async () => {
    const id = await createProduct('CART-FIRST');
    const cart = await shop.api('/api/carts', {
      method: 'POST',
      body: { items: [{ productId: id, quantity: 2 }] },
    });
    expect(cart.status, cart.text).toBe(201);
    expect(cart.body.items.map((i: { quantity: number }) => i.quantity)).toEqual([2]);
    expect(await secondsLeft(cart.body.id)).toBeGreaterThan(CART_TTL_SECONDS - 60);
    // Carts carry no Redis TTL: under volatile-lru only cache entries can be evicted.
    expect(await redis.ttl(`cart:${cart.body.id}`)).toBe(-1);
  });

  it('when a cart is created empty, then it lives an hour, and its first add extends it to the full lifetime', async () => {
    const id = await createProduct('CART-EMPTY');
    const cart = (await shop.api('/api/carts', { method: 'POST' })).body.id;
    const empty = await secondsLeft(cart);
    expect(empty).toBeGreaterThan(EMPTY_CART_TTL_SECONDS - 60);
    expect(empty).toBeLessThanOrEqual(EMPTY_CART_TTL_SECONDS);
    await shop.api(`/api/carts/${cart}/items`, { method: 'POST', body: { productId: id, quantity: 1 } });
    expect(await secondsLeft(cart)).toBeGreaterThan(CART_TTL_SECONDS - 60);
  });

  it('when a quantity is changed through the API, then the line holds exactly that, 0 removes it, and bad values are refused', async () => {
    const a = await createProduct('CART-QTY-A');
    const b = await createProduct('CART-QTY-B');
    const cart = (
      await shop.api('/api/carts', {
        method: 'POST',
        body: {
          items: [
            { productId: a, quantity: 1 },
            { productId: b, quantity: 3 },
          ],
        },
      })
    ).body.id;
    const set = await shop.api(`/api/carts/${cart}/items/${a}`, { method: 'PATCH', body: { quantity: 7 } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.items.find((i: { productId: number }) => i.productId === a).quantity).toBe(7);
    expect(set.body.totalCents).toBe(7 * 1000 + 3 * 1000);
    const removed = await shop.api(`/api/carts/${cart}/items/${b}`, {
      method: 'PATCH',
      body: { quantity: 0 },
    });
    expect(removed.body.items.map((i: { productId: number }) => i.productId)).toEqual([a]);
    for (const quantity of [100, -1, 1.5, '2']) {
      const bad = await shop.api(`/api/carts/${cart}/items/${a}`, { method: 'PATCH', body: { quantity } });
      expect(bad.status, String(quantity)).toBe(400);
      expect(bad.body.error.field).toBe('quantity');
    }
    const unknown = await shop.api(`/api/carts/00000000-0000-4000-8000-000000000000/items/${a}`, {
      method: 'PATCH',
      body: { quantity: 1 },
    });
    expect(unknown.status).toBe(404);
    expect((await shop.api(`/api/carts/${cart}`)).body.items[0].quantity).toBe(7);
  });

  it('when carts expire, then they are invisible at once and the sweep deletes them from Redis and Postgres', async () => {
    const id = await createProduct('CART-SWEEP');
    const live = (
      await shop.api('/api/carts', { method: 'POST', body: { items: [{ productId: id, quantity: 1 }] } })
    ).body.id;
    const stale = (
      await shop.api('/api/carts', { method: 'POST', body: { items: [{ productId: id, quantity: 1 }] } })
    ).body.id;
    // Age the Redis cart: its expiry field and its index entry both in the past.
    const past = Date.now() - 60_000;
    await redis.hset(`cart:${stale}`, '_', past);
    await redis.zadd('carts:expiry', past, stale);
    // Carts written to Postgres (while Redis was away), one of them long expired.
    const { pool } = shop.server.services;
    await pool.query(
      `INSERT INTO carts (id, expires_at) VALUES
         ('11111111-1111-4111-8111-111111111111', now() - interval '1 day'),
         ('22222222-2222-4222-8222-222222222222', now() + interval '1 day')`,
    );
    await pool.query(
      `INSERT INTO cart_items (cart_id, product_id, quantity) VALUES ('11111111-1111-4111-8111-111111111111', $1, 2)`,
      [id],
    );
    expect((await shop.api(`/api/carts/${stale}`)).status).toBe(404);
    expect((await shop.api('/api/carts/11111111-1111-4111-8111-111111111111')).status).toBe(404);

    expect(await shop.server.sweepCarts()).toBeGreaterThanOrEqual(2);
    expect(await redis.exists(`cart:${stale}`)).toBe(0);
    expect(await redis.zscore('carts:expiry', stale)).toBeNull();
    const left = await pool.query(
      `SELECT id FROM carts WHERE id IN ('11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222')`,
    );
    expect(left.rows.map((r) => r.id)).toEqual(['22222222-2222-4222-8222-222222222222']);
    const lines = await pool.query(
      `SELECT 1 FROM cart_items WHERE cart_id = '11111111-1111-4111-8111-111111111111'`,
    );
    expect(lines.rowCount).toBe(0);
    expect((await shop.api(`/api/carts/${live}`)).status).toBe(200);
  });

  it('when a flood of cached reads fills the Redis the operator renders, then entries are evicted but no cart is', async () => {
    // The same eviction settings as the rendered Redis, with a small maxmemory.
    const small = await startRedis({
      args: ['--maxmemory', '3mb', '--maxmemory-policy', REDIS_EVICTION_POLICY],
    });
    const server = await startWebServer(
      loadConfig({
        PORT: '0',
        METRICS_PORT: '0',
        DATABASE_URL: shop.pg.url,
        REDIS_URL: small.url,
        LOG_LEVEL: 'silent',
      }),
      { logger: createLogger('silent') },
    );
    const direct = new Redis(small.url);
    try {
      const id = await createProduct('CART-FLOOD');
      const carts: string[] = [];
      for (let i = 0; i < 20; i++) {
        const res = await request(server.url, '/api/carts', {
          method: 'POST',
          body: { items: [{ productId: id, quantity: 1 + (i % 5) }] },
        });
        expect(res.status, res.text).toBe(201);
        carts.push(res.body.id);
      }
      // Cache entries are written with a TTL, as the catalog cache writes them: 12 MB into 3 MB.
      const value = 'x'.repeat(4096);
      for (let batch = 0; batch < 30; batch++) {
        const multi = direct.multi();
        for (let i = 0; i < 100; i++) multi.set(`catalog:flood:${batch}:${i}`, value, 'EX', 300);
        await multi.exec();
      }
      const stats = await direct.info('stats');
      expect(Number(/evicted_keys:(\d+)/.exec(stats)![1])).toBeGreaterThan(0);
      for (const [i, cart] of carts.entries()) {
        const res = await request(server.url, `/api/carts/${cart}`);
        expect(res.status, cart).toBe(200);
        expect(res.body.items[0].quantity).toBe(1 + (i % 5));
      }
    } finally {
      direct.disconnect();
      await server.stop();
      await small.destroy();
    }
  });
});
