import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { type ApiResponse, useShop } from './support/shop.ts';

const shop = useShop();

const createProduct = (sku: string, stock: number, priceCents = 1000): Promise<number> =>
  shop.createProduct({ sku, priceCents, stock });

const order = (key: string, body: unknown): Promise<ApiResponse> => shop.order(key, body);

async function sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: shop.pg.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('when Redis goes away', () => {
  it('when Redis is stopped mid-run, then catalog, carts and checkout keep working from Postgres, and recover when it returns', async () => {
    const id = await createProduct('REDIS-DOWN', 50, 1500);
    const cartBefore = (await shop.api('/api/carts', { method: 'POST' })).body.id; // lives in Redis
    expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1500); // cached

    await shop.redis!.stop();

    const ready = await shop.ops('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'degraded', postgres: 'up', redis: 'down' });
    expect((await shop.api('/api/products?limit=100')).status).toBe(200);
    expect((await shop.api(`/api/products/${id}`)).body.stock).toBe(50);

    const cart = await shop.api('/api/carts', { method: 'POST' });
    expect(cart.status).toBe(201);
    const added = await shop.api(`/api/carts/${cart.body.id}/items`, {
      method: 'POST',
      body: { productId: id, quantity: 2 },
    });
    expect(added.status, added.text).toBe(200);
    expect((await shop.api(`/api/carts/${cart.body.id}`)).body.items).toHaveLength(1);
    const fromCart = await order('redis-down-cart', { cartId: cart.body.id });
    expect(fromCart.status, fromCart.text).toBe(201);
    const direct = await order('redis-down-direct', {
      items: [{ productId: id, quantity: 1 }],
      email: 'a@example.com',
    });
    expect(direct.status, direct.text).toBe(201);
    expect((await shop.admin(`/api/products/${id}`, 'PATCH', { priceCents: 1700 })).status).toBe(200);
    const now = (await shop.api(`/api/products/${id}`)).body;
    expect(now).toMatchObject({ stock: 47, priceCents: 1700 });
    // A cart that lived only in Redis is gone with it: a clear 404, not a 500.
    const lost = await shop.api(`/api/carts/${cartBefore}`);
    expect(lost.status).toBe(404);

    await shop.redis!.start();
    await vi.waitFor(async () => expect((await shop.ops('/readyz')).body.redis).toBe('up'), {
      timeout: 15_000,
    });
    expect((await shop.api(`/api/products/${id}`)).body).toMatchObject({ stock: 47, priceCents: 1700 });
    expect((await shop.api(`/api/products/${id}`)).body).toMatchObject({ stock: 47, priceCents: 1700 });
    // The cart created in Postgres during the outage is still usable.
    expect((await shop.api(`/api/carts/${cart.body.id}`)).status).toBe(404); // checked out above
  });

  it('when Redis stalls (SIGSTOP) during a price change, then the change still commits and the new price is served once it resumes', async () => {
    const id = await createProduct('REDIS-STALL', 10, 1000);
    expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1000);
    expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1000); // cached in Redis now

    shop.redis!.pause(); // Redis keeps the cached 1000 but answers nothing
    const patch = await shop.admin(`/api/products/${id}`, 'PATCH', { priceCents: 1100 });
    expect(patch.status).toBe(200); // committed; the invalidation could not reach Redis
    shop.redis!.resume();
    await vi.waitFor(async () => expect((await shop.ops('/readyz')).body.redis).toBe('up'), {
      timeout: 15_000,
    });

    for (let i = 0; i < 3; i++) expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1100);
  });
});

describe('when the request pool is saturated', () => {
  it('when every pooled connection is busy, then /readyz still answers 200 from its reserved connection', async () => {
    const id = await createProduct('POOL-FULL', 100);
    const blocker = new pg.Client({ connectionString: shop.pg.url });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM products WHERE id = $1 FOR UPDATE', [id]);
      // 12 checkouts: 10 park on the row lock holding every pooled connection, 2 wait for the pool.
      const parked = Array.from({ length: 12 }, (_, i) =>
        order(`pool-full-${i}`, { items: [{ productId: id, quantity: 1 }], email: 'a@example.com' }),
      );
      await vi.waitFor(
        async () => {
          const [waiting] = await sql<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'storefront-app'",
          );
          expect(waiting!.n).toBe(10);
        },
        { timeout: 15_000 },
      );
      const ready = await shop.ops('/readyz');
      expect(ready.status, ready.text).toBe(200);
      expect(ready.body.postgres).toBe('up');
      await blocker.query('COMMIT');
      expect((await Promise.all(parked)).map((r) => r.status)).toEqual(Array(12).fill(201));
    } finally {
      await blocker.end();
    }
  });
});

describe('when Postgres goes away', () => {
  it('when Postgres stops with checkouts in flight, then /readyz fails, requests get a clear 503, nothing is half-written, and retries succeed once', async () => {
    const id = await createProduct('PG-DOWN', 100, 1000);
    for (let i = 0; i < 5; i++) {
      expect(
        (await order(`pg-before-${i}`, { items: [{ productId: id, quantity: 1 }], email: 'a@example.com' }))
          .status,
      ).toBe(201);
    }

    // Hold the product row so the next checkouts stall inside their transactions (key claimed, stock
    // UPDATE waiting), then stop Postgres under them.
    const blocker = new pg.Client({ connectionString: shop.pg.url });
    blocker.on('error', () => undefined);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT * FROM products WHERE id = $1 FOR UPDATE', [id]);
    const body = (i: number) => ({ items: [{ productId: id, quantity: 1 }], email: `b${i}@example.com` });
    const inFlight = Array.from({ length: 8 }, (_, i) => order(`pg-inflight-${i}`, body(i)));
    // (Polled from a fresh connection: inside a transaction pg_stat_activity is a cached snapshot.)
    await vi.waitFor(
      async () => {
        const [waiting] = await sql<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name = 'storefront-app'",
        );
        expect(waiting!.n).toBe(8);
      },
      { timeout: 15_000 },
    );
    await shop.pg.stop();

    const results = await Promise.all(inFlight);
    for (const r of results) {
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe('database_unavailable');
      expect(r.headers.get('retry-after')).toBe('5');
    }
    const ready = await shop.ops('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', postgres: 'down' });
    expect((await shop.api('/healthz')).status).toBe(200); // alive: do not restart the pod for this
    const during = await order('pg-during', body(99));
    expect(during.status).toBe(503);
    expect(during.body.error.message).toMatch(/database is unavailable/);
    expect((await shop.api('/api/orders/00000000-0000-4000-8000-000000000000')).status).toBe(503);
    expect((await shop.api('/api/products/999999')).status).toBe(503); // not cached, needs Postgres
    const page = await fetch(`${shop.url}/products/999999`);
    expect(page.status).toBe(503);

    await shop.pg.start();
    await vi.waitFor(async () => expect((await shop.ops('/readyz')).status).toBe(200), { timeout: 20_000 });

    // Nothing half-written: the aborted transactions left no key, no order, no stock change.
    const [keys] = await sql<{ n: number }>(
      "SELECT count(*)::int AS n FROM idempotency_keys WHERE key LIKE 'pg-inflight-%'",
    );
    expect(keys!.n).toBe(0);
    const [stock] = await sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [id]);
    expect(stock!.stock).toBe(95);
    const [orphans] = await sql<{ n: number }>(
      'SELECT count(*)::int AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)',
    );
    expect(orphans!.n).toBe(0);

    // Clients retry with the same keys: each places exactly one order.
    const retries = await Promise.all(
      Array.from({ length: 8 }, (_, i) => order(`pg-inflight-${i}`, body(i))),
    );
    expect(retries.map((r) => r.status)).toEqual(Array(8).fill(201));
    const again = await Promise.all(Array.from({ length: 8 }, (_, i) => order(`pg-inflight-${i}`, body(i))));
    expect(again.map((r) => r.body.id)).toEqual(retries.map((r) => r.body.id));
    const [after] = await sql<{ stock: number }>('SELECT stock FROM products WHERE id = $1', [id]);
    expect(after!.stock).toBe(87);
    await blocker.end().catch(() => undefined);
  });
});
