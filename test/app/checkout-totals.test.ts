import { describe, expect, it } from 'vitest';
import { type ApiResponse, useShop } from './support/shop.ts';

const shop = useShop({
  env: { TAX_RATE_PERCENT: '8.25', SHIPPING_RATES: 'ground:500:Ground (5-7 days),air:2500:Air (2 days)' },
});

const createProduct = (sku: string, priceCents: number, stock = 100): Promise<number> =>
  shop.createProduct({ sku, priceCents, stock });

const order = (key: string, body: unknown): Promise<ApiResponse> => shop.order(key, body);

const ADDRESS = {
  name: 'Grace Hopper',
  line1: '1 Navy Way',
  city: 'Arlington',
  postalCode: '22202',
  country: 'US',
};

describe('checkout totals, shipping and tax', () => {
  it('when an order ships by a configured method, then subtotal, flat shipping and tax add up in cents on the server', async () => {
    const a = await createProduct('TOTAL-A', 1999);
    const b = await createProduct('TOTAL-B', 350);
    const res = await order('totals-1', {
      items: [
        { productId: a, quantity: 3 },
        { productId: b, quantity: 1 },
      ],
      email: 'grace@example.com',
      shipping: { ...ADDRESS, line2: 'Suite 5' },
      shippingMethod: 'air',
    });
    expect(res.status, res.text).toBe(201);
    // 3 × 19.99 + 3.50 = 63.47; tax 8.25 % = 5.236275 → 5.24; air 25.00.
    expect(res.body).toMatchObject({
      subtotalCents: 6347,
      shippingCents: 2500,
      taxCents: 524,
      totalCents: 6347 + 2500 + 524,
      currency: 'USD',
      shipping: {
        method: 'air',
        label: 'Air (2 days)',
        cents: 2500,
        address: { ...ADDRESS, line2: 'Suite 5' },
      },
    });
    expect(Number.isInteger(res.body.number)).toBe(true);
    expect((await shop.api(`/api/orders/${res.body.id}`)).body).toEqual(res.body);
    const { rows } = await shop.server.services.pool.query(
      'SELECT subtotal_cents, shipping_cents, tax_cents, total_cents FROM orders WHERE id = $1',
      [res.body.id],
    );
    expect(rows[0]).toEqual({
      subtotal_cents: '6347',
      shipping_cents: '2500',
      tax_cents: '524',
      total_cents: '9371',
    });
  });

  it('when an address comes without a method, then the first configured rate applies; without an address, no shipping', async () => {
    const id = await createProduct('TOTAL-DEFAULT', 1000);
    const shipped = await order('totals-default', {
      items: [{ productId: id, quantity: 1 }],
      email: 'a@example.com',
      shipping: ADDRESS,
    });
    expect(shipped.body).toMatchObject({ shippingCents: 500, taxCents: 83, totalCents: 1583 });
    expect(shipped.body.shipping.method).toBe('ground');
    const bare = await order('totals-bare', {
      items: [{ productId: id, quantity: 1 }],
      email: 'a@example.com',
    });
    expect(bare.body).toMatchObject({ shippingCents: 0, taxCents: 83, totalCents: 1083, shipping: null });
    expect(bare.body.number).toBeGreaterThan(shipped.body.number);
  });

  it('when shipping input is wrong, then the field is named and nothing is ordered', async () => {
    const id = await createProduct('TOTAL-BAD', 1000, 5);
    const base = { items: [{ productId: id, quantity: 1 }], email: 'a@example.com' };
    const cases: [unknown, number, string][] = [
      [{ ...base, shipping: ADDRESS, shippingMethod: 'teleport' }, 422, 'shippingMethod'],
      [{ ...base, shippingMethod: 'air' }, 422, 'shipping'],
      [{ ...base, shipping: { ...ADDRESS, postalCode: '' } }, 400, 'shipping.postalCode'],
      [{ ...base, shipping: { ...ADDRESS, country: 'usa' } }, 400, 'shipping.country'],
      [{ ...base, shipping: { ...ADDRESS, name: 'a\u0000b' } }, 400, 'shipping.name'],
      [{ ...base, shipping: { ...ADDRESS, planet: 'Mars' } }, 400, 'shipping.planet'],
    ];
    for (const [i, [body, status, field]] of cases.entries()) {
      const res = await order(`totals-bad-${i}`, body);
      expect(res.status, res.text).toBe(status);
      expect(res.body.error.field).toBe(field);
    }
    expect((await shop.api(`/api/products/${id}`)).body.stock).toBe(5);
  });

  it('when a key is replayed with a different address, then it is refused as a reused key', async () => {
    const id = await createProduct('TOTAL-REPLAY', 1000);
    const body = { items: [{ productId: id, quantity: 1 }], email: 'a@example.com', shipping: ADDRESS };
    expect((await order('totals-replay', body)).status).toBe(201);
    expect((await order('totals-replay', body)).headers.get('idempotent-replayed')).toBe('true');
    const moved = await order('totals-replay', { ...body, shipping: { ...ADDRESS, city: 'Elsewhere' } });
    expect(moved.status).toBe(422);
    expect(moved.body.error.code).toBe('idempotency_key_reused');
  });

  it('when a cart is checked out through the API, then its quantities, as changed, are what is ordered', async () => {
    const id = await createProduct('TOTAL-CART', 250);
    const cart = (
      await shop.api('/api/carts', { method: 'POST', body: { items: [{ productId: id, quantity: 1 }] } })
    ).body.id;
    await shop.api(`/api/carts/${cart}/items/${id}`, { method: 'PATCH', body: { quantity: 4 } });
    const res = await order('totals-cart', { cartId: cart, email: 'a@example.com', shipping: ADDRESS });
    expect(res.status, res.text).toBe(201);
    expect(res.body.items[0].quantity).toBe(4);
    expect(res.body).toMatchObject({
      subtotalCents: 1000,
      shippingCents: 500,
      taxCents: 83,
      totalCents: 1583,
    });
  });
});
