import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { type ApiResponse, useShop } from './support/shop.ts';

const shop = useShop();

const createProduct = (sku: string, stock: number, priceCents = 1000): Promise<number> =>
  shop.createProduct({ sku, priceCents, stock });

async function stockOf(id: number): Promise<number> {
  const { rows } = await shop.server.services.pool.query('SELECT stock FROM products WHERE id = $1', [id]);
  return rows[0].stock;
}

const order = (key: string, body: unknown): Promise<ApiResponse> => shop.order(key, body);

describe('checkout under contention', () => {
  it('when 1,000 checkouts of quantity 1 race for stock 100, then exactly 100 orders succeed and 900 get a clean 409', async () => {
    const id = await createProduct('RACE-100', 100);
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        order(`race-${i}`, { items: [{ productId: id, quantity: 1 }], email: `buyer${i}@example.com` }),
      ),
    );
    const byStatus = new Map<number, number>();
    for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual({ 201: 100, 409: 900 });
    for (const r of results.filter((x) => x.status === 409)) {
      expect(r.body.error.code).toBe('out_of_stock');
      expect(r.body.error.field).toBe('items.0.quantity');
      expect(r.body.error.message).toMatch(/out of stock/);
    }
    expect(await stockOf(id)).toBe(0);
    const { rows } = await shop.server.services.pool.query(
      'SELECT count(*)::int AS orders, sum(quantity)::int AS units FROM order_items WHERE product_id = $1',
      [id],
    );
    expect(rows[0]).toEqual({ orders: 100, units: 100 });
    // The catalog shows the committed stock, not a cached figure from before the rush.
    expect((await shop.api(`/api/products/${id}`)).body.stock).toBe(0);
  });

  it('when a request would take more than the stock, then it is refused and the stock is untouched', async () => {
    const id = await createProduct('SHORT-3', 3);
    const res = await order('short-1', { items: [{ productId: id, quantity: 4 }], email: 'a@example.com' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/only 3 of/);
    expect(await stockOf(id)).toBe(3);
  });

  it('when one order has two items and the second is short, then neither stock changes (one transaction)', async () => {
    const a = await createProduct('PAIR-A', 5);
    const b = await createProduct('PAIR-B', 1);
    const res = await order('pair-1', {
      items: [
        { productId: a, quantity: 2 },
        { productId: b, quantity: 2 },
      ],
      email: 'a@example.com',
    });
    expect(res.status).toBe(409);
    expect(res.body.error.field).toBe('items.1.quantity');
    expect([await stockOf(a), await stockOf(b)]).toEqual([5, 1]);
  });
});

describe('pricing', () => {
  it('when the price changes while an order waits to take stock, then the order is re-priced at the committed price', async () => {
    const id = await createProduct('REPRICE', 10, 1000);
    // Another transaction holds the row and will change the price; our checkout prices at 1000,
    // then waits on the row lock at its stock UPDATE.
    const other = new pg.Client({ connectionString: shop.pg.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('UPDATE products SET price_cents = 1500 WHERE id = $1', [id]);
      const pending = order('reprice-1', { items: [{ productId: id, quantity: 2 }], email: 'a@example.com' });
      await vi.waitFor(
        async () => {
          const { rows } = await shop.server.services.pool.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE products SET stock%'",
          );
          expect(rows[0].n).toBe(1);
        },
        { timeout: 15_000 },
      );
      await other.query('COMMIT');
      const res = await pending;
      expect(res.status, res.text).toBe(201);
      expect(res.body.totalCents).toBe(3000);
      expect(res.body.items[0].unitPriceCents).toBe(1500);
      expect(await stockOf(id)).toBe(8);
    } finally {
      await other.end();
    }
  });
});

describe('idempotency', () => {
  it('when the same Idempotency-Key is sent 50 times concurrently, then one order exists and all 50 responses are identical', async () => {
    const id = await createProduct('IDEM-50', 10, 2599);
    const body = { items: [{ productId: id, quantity: 2 }], email: 'same@example.com' };
    const results = await Promise.all(Array.from({ length: 50 }, () => order('idem-key-50', body)));
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(results.map((r) => r.text)).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(49);
    const first = results[0]!.body;
    expect(first).toMatchObject({
      status: 'confirmed',
      totalCents: 5198,
      items: [{ productId: id, quantity: 2 }],
    });
    const { rows } = await shop.server.services.pool.query(
      'SELECT count(*)::int AS n FROM order_items WHERE product_id = $1',
      [id],
    );
    expect(rows[0].n).toBe(1);
    expect(await stockOf(id)).toBe(8);
    expect((await shop.api(`/api/orders/${first.id}`)).body).toEqual(first);
  });

  it('when a key is reused with a different body, then the answer is 422 and no second order is placed', async () => {
    const id = await createProduct('IDEM-DIFF', 10);
    const first = await order('idem-diff', {
      items: [{ productId: id, quantity: 1 }],
      email: 'a@example.com',
    });
    expect(first.status).toBe(201);
    const second = await order('idem-diff', {
      items: [{ productId: id, quantity: 3 }],
      email: 'a@example.com',
    });
    expect(second.status).toBe(422);
    expect(second.body.error).toMatchObject({ code: 'idempotency_key_reused', field: 'Idempotency-Key' });
    expect(await stockOf(id)).toBe(9);
  });

  it('when the same body is sent with its keys in another order, then it counts as the same request', async () => {
    const id = await createProduct('IDEM-ORDER', 10);
    const a = await order('idem-order', { items: [{ productId: id, quantity: 1 }], email: 'a@example.com' });
    const b = await order('idem-order', { email: 'a@example.com', items: [{ quantity: 1, productId: id }] });
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
  });

  it('when a cart is checked out twice with one key, then the retry replays even though the cart is spent', async () => {
    const id = await createProduct('CART-RETRY', 10, 500);
    const cart = (await shop.api('/api/carts', { method: 'POST' })).body.id;
    expect(
      (await shop.api(`/api/carts/${cart}/items`, { method: 'POST', body: { productId: id, quantity: 3 } }))
        .status,
    ).toBe(200);
    const first = await order('cart-retry', { cartId: cart });
    expect(first.status).toBe(201);
    expect(first.body.totalCents).toBe(1500);
    const again = await order('cart-retry', { cartId: cart });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await shop.api(`/api/carts/${cart}`)).status).toBe(404);
    const fresh = await order('cart-retry-new-key', { cartId: cart });
    expect(fresh.status).toBe(404);
    expect(fresh.body.error.field).toBe('cartId');
  });
});

describe('idempotency keys expire', () => {
  it('when a key is older than IDEMPOTENCY_KEY_TTL_HOURS, then the sweep removes it (not its order) and the key may place a new order; newer and unanswered keys stay', async () => {
    const id = await createProduct('TTL-1', 10);
    const body = { items: [{ productId: id, quantity: 1 }], email: 'ttl@example.com' };
    const old = await order('ttl-old', body);
    const recent = await order('ttl-recent', body);
    expect([old.status, recent.status]).toEqual([201, 201]);
    const pool = shop.server.services.pool;
    // A day and an hour later (the default TTL is 24 h), and a claim whose request never answered.
    await pool.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = 'ttl-old'`,
    );
    await pool.query(
      `INSERT INTO idempotency_keys (key, request_hash, created_at) VALUES ('ttl-unanswered', 'h', now() - interval '48 hours')`,
    );

    expect(await shop.server.sweepIdempotencyKeys()).toBe(1);
    const { rows } = await pool.query(
      `SELECT key FROM idempotency_keys WHERE key IN ('ttl-old', 'ttl-recent', 'ttl-unanswered') ORDER BY key`,
    );
    expect(rows.map((r) => r.key)).toEqual(['ttl-recent', 'ttl-unanswered']);
    const orders = await pool.query('SELECT count(*)::int AS n FROM orders WHERE id = $1', [old.body.id]);
    expect(orders.rows[0].n).toBe(1);

    // The expired key is free again: a different body is a new order, not 422 idempotency_key_reused.
    const reused = await order('ttl-old', { ...body, items: [{ productId: id, quantity: 2 }] });
    expect(reused.status, reused.text).toBe(201);
    expect(reused.body.id).not.toBe(old.body.id);
    // The recent one still replays its first answer.
    const replay = await order('ttl-recent', body);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(recent.body.id);
    expect(await stockOf(id)).toBe(10 - 1 - 1 - 2);
    await pool.query(`DELETE FROM idempotency_keys WHERE key = 'ttl-unanswered'`);
  });
});
