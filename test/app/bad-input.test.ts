import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, request, startShop, type TestShop } from './support/shop.ts';

let shop: TestShop;
let productId: number;
let cartId: string;

beforeAll(async () => {
  shop = await startShop();
  productId = (
    await shop.admin('/api/products', 'POST', { sku: 'BAD-INPUT', name: 'Target', priceCents: 100, stock: 5 })
  ).body.id;
  cartId = (await shop.api('/api/carts', { method: 'POST' })).body.id;
});
afterAll(async () => {
  await shop?.close();
});

interface Case {
  name: string;
  method: string;
  path: string | (() => string);
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  field?: string;
  code?: string;
}

const KEY = { 'idempotency-key': 'bad-input-key' };
const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
const huge = 'x'.repeat(64 * 1024);
const sqlish = '1; DROP TABLE products; --';

const cases: Case[] = [
  // products
  {
    name: 'limit is not a number',
    method: 'GET',
    path: '/api/products?limit=abc',
    status: 400,
    field: 'limit',
  },
  { name: 'limit is zero', method: 'GET', path: '/api/products?limit=0', status: 400, field: 'limit' },
  { name: 'limit is huge', method: 'GET', path: '/api/products?limit=100000', status: 400, field: 'limit' },
  {
    name: 'limit repeated',
    method: 'GET',
    path: '/api/products?limit=1&limit=2',
    status: 400,
    field: 'limit',
  },
  {
    name: 'cursor is garbage',
    method: 'GET',
    path: '/api/products?cursor=%27%20OR%201%3D1',
    status: 400,
    field: 'cursor',
  },
  {
    name: 'cursor decodes to junk',
    method: 'GET',
    path: '/api/products?cursor=Zm9v',
    status: 400,
    field: 'cursor',
  },
  {
    name: 'product id is SQL',
    method: 'GET',
    path: `/api/products/${encodeURIComponent(sqlish)}`,
    status: 400,
    field: 'id',
  },
  { name: 'product id is negative', method: 'GET', path: '/api/products/-1', status: 400, field: 'id' },
  {
    name: 'product id overflows int4',
    method: 'GET',
    path: '/api/products/99999999999',
    status: 400,
    field: 'id',
  },
  {
    name: 'unknown product',
    method: 'GET',
    path: '/api/products/424242',
    status: 404,
    field: 'id',
    code: 'not_found',
  },
  // admin
  {
    name: 'admin without token',
    method: 'POST',
    path: '/api/products',
    body: {},
    status: 401,
    field: 'Authorization',
  },
  {
    name: 'admin with wrong token',
    method: 'PATCH',
    path: '/api/products/1',
    body: { stock: 1 },
    headers: { authorization: 'Bearer nope' },
    status: 401,
  },
  {
    name: 'create with negative price',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: 'NEG', name: 'n', priceCents: -1, stock: 1 },
    status: 400,
    field: 'priceCents',
  },
  {
    name: 'create with fractional price',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: 'FRAC', name: 'n', priceCents: 9.99, stock: 1 },
    status: 400,
    field: 'priceCents',
  },
  {
    name: 'create with string stock',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: 'STR', name: 'n', priceCents: 1, stock: '5' },
    status: 400,
    field: 'stock',
  },
  {
    name: 'create with SQL sku',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: sqlish, name: 'n', priceCents: 1, stock: 1 },
    status: 400,
    field: 'sku',
  },
  {
    name: 'create with unknown field',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: 'UNK', name: 'n', priceCents: 1, stock: 1, admin: true },
    status: 400,
    field: 'admin',
  },
  {
    name: 'create with unknown image',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: 'IMG', name: 'n', priceCents: 1, stock: 1, imageUrl: 'img/nope.svg' },
    status: 400,
    field: 'imageUrl',
  },
  {
    name: 'create with javascript: image',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: 'JS', name: 'n', priceCents: 1, stock: 1, imageUrl: 'javascript:alert(1)' },
    status: 400,
    field: 'imageUrl',
  },
  {
    name: 'create duplicate sku',
    method: 'POST',
    path: '/api/products',
    headers: ADMIN,
    body: { sku: 'BAD-INPUT', name: 'n', priceCents: 1, stock: 1 },
    status: 409,
    field: 'sku',
  },
  {
    name: 'patch with negative stock',
    method: 'PATCH',
    path: () => `/api/products/${productId}`,
    headers: ADMIN,
    body: { stock: -5 },
    status: 400,
    field: 'stock',
  },
  {
    name: 'patch with nothing',
    method: 'PATCH',
    path: () => `/api/products/${productId}`,
    headers: ADMIN,
    body: {},
    status: 400,
  },
  {
    name: 'patch unknown product',
    method: 'PATCH',
    path: '/api/products/424242',
    headers: ADMIN,
    body: { stock: 1 },
    status: 404,
    field: 'id',
  },
  {
    name: 'patch with a JSON array',
    method: 'PATCH',
    path: () => `/api/products/${productId}`,
    headers: ADMIN,
    body: [1, 2],
    status: 400,
    field: 'body',
  },
  // carts
  { name: 'cart id is not a uuid', method: 'GET', path: '/api/carts/123', status: 400, field: 'id' },
  {
    name: 'cart id is SQL',
    method: 'GET',
    path: `/api/carts/${encodeURIComponent("' OR '1'='1")}`,
    status: 400,
    field: 'id',
  },
  {
    name: 'unknown cart',
    method: 'GET',
    path: '/api/carts/00000000-0000-4000-8000-000000000000',
    status: 404,
    field: 'id',
  },
  {
    name: 'add to unknown cart',
    method: 'POST',
    path: '/api/carts/00000000-0000-4000-8000-000000000000/items',
    body: { productId: 1, quantity: 1 },
    status: 404,
  },
  {
    name: 'add negative quantity',
    method: 'POST',
    path: () => `/api/carts/${cartId}/items`,
    body: { productId: 1, quantity: -1 },
    status: 400,
    field: 'quantity',
  },
  {
    name: 'add zero quantity',
    method: 'POST',
    path: () => `/api/carts/${cartId}/items`,
    body: { productId: 1, quantity: 0 },
    status: 400,
    field: 'quantity',
  },
  {
    name: 'add huge quantity',
    method: 'POST',
    path: () => `/api/carts/${cartId}/items`,
    body: { productId: 1, quantity: 1e12 },
    status: 400,
    field: 'quantity',
  },
  {
    name: 'add string product id',
    method: 'POST',
    path: () => `/api/carts/${cartId}/items`,
    body: { productId: '1', quantity: 1 },
    status: 400,
    field: 'productId',
  },
  {
    name: 'add unknown product',
    method: 'POST',
    path: () => `/api/carts/${cartId}/items`,
    body: { productId: 424242, quantity: 1 },
    status: 404,
    field: 'productId',
  },
  {
    name: 'add null body',
    method: 'POST',
    path: () => `/api/carts/${cartId}/items`,
    raw: 'null',
    headers: { 'content-type': 'application/json' },
    status: 400,
    field: 'body',
  },
  {
    name: 'add without JSON content type',
    method: 'POST',
    path: () => `/api/carts/${cartId}/items`,
    raw: 'productId=1&quantity=1',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 400,
    field: 'body',
  },
  // orders
  {
    name: 'order without idempotency key',
    method: 'POST',
    path: '/api/orders',
    body: { items: [{ productId: 1, quantity: 1 }], email: 'a@example.com' },
    status: 400,
    field: 'Idempotency-Key',
  },
  {
    name: 'order with a too-long key',
    method: 'POST',
    path: '/api/orders',
    headers: { 'idempotency-key': 'k'.repeat(300) },
    body: { items: [{ productId: 1, quantity: 1 }], email: 'a@example.com' },
    status: 400,
    field: 'Idempotency-Key',
  },
  {
    name: 'order with neither cart nor items',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { email: 'a@example.com' },
    status: 400,
    field: 'cartId',
  },
  {
    name: 'order with both cart and items',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: {
      cartId: '00000000-0000-4000-8000-000000000000',
      items: [{ productId: 1, quantity: 1 }],
      email: 'a@example.com',
    },
    status: 400,
    field: 'cartId',
  },
  {
    name: 'order items without email',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: [{ productId: 1, quantity: 1 }] },
    status: 400,
    field: 'email',
  },
  {
    name: 'order with a bad email',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: [{ productId: 1, quantity: 1 }], email: 'not-an-email' },
    status: 400,
    field: 'email',
  },
  {
    name: 'order with SQL email',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: [{ productId: 1, quantity: 1 }], email: "x'); DROP TABLE orders; --" },
    status: 400,
    field: 'email',
  },
  {
    name: 'order with negative quantity',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: [{ productId: 1, quantity: -3 }], email: 'a@example.com' },
    status: 400,
    field: 'items.0.quantity',
  },
  {
    name: 'order with quantity as string',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: [{ productId: 1, quantity: '1' }], email: 'a@example.com' },
    status: 400,
    field: 'items.0.quantity',
  },
  {
    name: 'order with items not an array',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: 'all', email: 'a@example.com' },
    status: 400,
    field: 'items',
  },
  {
    name: 'order with empty items',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: [], email: 'a@example.com' },
    status: 400,
    field: 'items',
  },
  {
    name: 'order with duplicate products',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: {
      items: [
        { productId: 1, quantity: 1 },
        { productId: 1, quantity: 1 },
      ],
      email: 'a@example.com',
    },
    status: 400,
    field: 'items.1.productId',
  },
  {
    name: 'order with unknown product',
    method: 'POST',
    path: '/api/orders',
    headers: { 'idempotency-key': 'unknown-product' },
    body: { items: [{ productId: 424242, quantity: 1 }], email: 'a@example.com' },
    status: 422,
    field: 'items.0.productId',
  },
  {
    name: 'order with unknown cart',
    method: 'POST',
    path: '/api/orders',
    headers: { 'idempotency-key': 'unknown-cart' },
    body: { cartId: '00000000-0000-4000-8000-000000000000' },
    status: 404,
    field: 'cartId',
  },
  {
    name: 'order from an empty cart',
    method: 'POST',
    path: '/api/orders',
    headers: { 'idempotency-key': 'empty-cart' },
    body: { cartId: '__CART__' },
    status: 422,
    field: 'cartId',
  },
  {
    name: 'order with a prototype-pollution key',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    raw: '{"__proto__":{"admin":true},"items":[{"productId":1,"quantity":1}],"email":"a@example.com"}',
    status: 400,
    field: '__proto__',
  },
  { name: 'order id is not a uuid', method: 'GET', path: '/api/orders/1', status: 400, field: 'id' },
  {
    name: 'unknown order',
    method: 'GET',
    path: '/api/orders/00000000-0000-4000-8000-000000000000',
    status: 404,
    field: 'id',
  },
  // transport
  {
    name: 'bad JSON',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    raw: '{"items": [',
    status: 400,
    field: 'body',
    code: 'invalid_json',
  },
  {
    name: 'JSON scalar (strict)',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    raw: '"hello"',
    status: 400,
    field: 'body',
  },
  {
    name: 'huge body',
    method: 'POST',
    path: '/api/orders',
    headers: KEY,
    body: { items: [{ productId: 1, quantity: 1 }], email: 'a@example.com', pad: huge },
    status: 413,
    field: 'body',
    code: 'payload_too_large',
  },
  {
    name: 'huge form body',
    method: 'POST',
    path: '/checkout',
    raw: `email=${huge}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    status: 413,
  },
  { name: 'unknown API route', method: 'GET', path: '/api/nope', status: 404, code: 'not_found' },
  { name: 'unknown method on a route', method: 'DELETE', path: '/api/products', status: 404 },
];

describe('bad input', () => {
  it.each(cases)('when $name, then the answer is $status naming the field', async (c) => {
    const path = typeof c.path === 'function' ? c.path() : c.path;
    const raw = c.raw?.replace('__CART__', cartId);
    const headers = { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...c.headers };
    const body = c.body !== undefined ? c.body : undefined;
    const res =
      raw !== undefined
        ? await request(shop.url, path, { method: c.method, raw, headers })
        : await request(shop.url, path, {
            method: c.method,
            body: JSON.parse(JSON.stringify(body ?? null)?.replace('__CART__', cartId)) ?? undefined,
            headers,
          });
    expect(res.status, res.text).toBe(c.status);
    if (path.startsWith('/api/')) {
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(typeof res.body.error.message).toBe('string');
      if (c.field) expect(res.body.error.field).toBe(c.field);
      if (c.code) expect(res.body.error.code).toBe(c.code);
    }
  });

  it('when all the bad requests are done, then the shop still serves and nothing was dropped or changed', async () => {
    expect((await shop.api('/healthz')).status).toBe(200);
    expect((await shop.ops('/readyz')).status).toBe(200);
    const product = await shop.api(`/api/products/${productId}`);
    expect(product.body).toMatchObject({ sku: 'BAD-INPUT', stock: 5, priceCents: 100 });
    const { rows } = await shop.server.services.pool.query(
      "SELECT to_regclass('orders') AS t, (SELECT count(*)::int FROM orders) AS n",
    );
    expect(rows[0]).toEqual({ t: 'orders', n: 0 });
  });

  it('when ADMIN_TOKEN is unset, then the admin API answers a clear 403', async () => {
    const { startWebServer } = await import('../../app/src/server/server.ts');
    const { loadConfig } = await import('../../app/src/config/config.ts');
    const { createLogger } = await import('../../app/src/server/logger.ts');
    const server = await startWebServer(
      loadConfig({ PORT: '0', METRICS_PORT: '0', DATABASE_URL: shop.pg.url, LOG_LEVEL: 'silent' }),
      {
        logger: createLogger('silent'),
      },
    );
    try {
      const res = await request(server.url, '/api/products', {
        method: 'POST',
        body: { sku: 'X' },
        headers: ADMIN,
      });
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({
        code: 'admin_disabled',
        message: expect.stringMatching(/admin API disabled/),
      });
    } finally {
      await server.stop();
    }
  });
});
