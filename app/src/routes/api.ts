import { type Request, type Response, Router } from 'express';
import type { Carts } from '../domain/carts.ts';
import type { CachedBody, Catalog } from '../domain/catalog.ts';
import type { Checkout } from '../domain/checkout.ts';
import { AppError, notFound } from '../domain/errors.ts';
import {
  addItemBody,
  createCartBody,
  createProductBody,
  idempotencyKey,
  listQuery,
  orderBody,
  parse,
  productIdParam,
  setQuantityBody,
  updateProductBody,
  uuid,
} from '../domain/schemas.ts';
import { requireAdmin } from './admin-auth.ts';

export interface ApiDeps {
  catalog: Catalog;
  carts: Carts;
  checkout: Checkout;
  adminToken: string | undefined;
}

/** Whether an If-None-Match header names `etag` (a list, weak forms and * included, as RFC 9110 says). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * Sends a cached catalog body as stored (no re-encoding), with its ETag; `304 Not Modified` when
 * the client already has it. `no-cache`: clients and CDNs revalidate every time, so a price change
 * is never hidden by an intermediate cache, and the revalidation itself is cheap.
 */
function sendCached(req: Request, res: Response, cached: CachedBody) {
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('ETag', cached.etag);
  if (matchesEtag(req.headers['if-none-match'], cached.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', cached.body.length);
  res.end(cached.body);
}

/** The JSON API: thin handlers that parse input, call one use case and shape the answer. */
export function apiRouter(deps: ApiDeps): Router {
  const router = Router();
  const admin = requireAdmin(deps.adminToken);

  router.get('/products', async (req, res) => {
    const q = parse(listQuery, { ...req.query });
    sendCached(req, res, await deps.catalog.listBody(q.limit, q.cursor));
  });

  router.get('/products/:id', async (req, res) => {
    const id = parse(productIdParam, req.params.id, 'id');
    const cached = await deps.catalog.productBody(id);
    if (cached.json === 'null') throw notFound(`product ${id}`, 'id');
    sendCached(req, res, cached);
  });

  router.post('/products', admin, async (req, res) => {
    const input = parse(createProductBody, req.body);
    const product = await deps.catalog.create(input);
    res.status(201).location(`/api/products/${product.id}`).json(product);
  });

  router.patch('/products/:id', admin, async (req, res) => {
    const id = parse(productIdParam, req.params.id, 'id');
    const input = parse(updateProductBody, req.body);
    res.json(await deps.catalog.update(id, input));
  });

  router.post('/carts', async (req, res) => {
    const body = parse(createCartBody, req.body);
    const cart = await deps.carts.create(body?.items);
    res.status(201).location(`/api/carts/${cart.id}`).set('Cache-Control', 'no-store').json(cart);
  });

  router.get('/carts/:id', async (req, res) => {
    const id = parse(uuid, req.params.id, 'id');
    res.set('Cache-Control', 'no-store').json(await deps.carts.view(id));
  });

  router.post('/carts/:id/items', async (req, res) => {
    const id = parse(uuid, req.params.id, 'id');
    const item = parse(addItemBody, req.body);
    res.set('Cache-Control', 'no-store').json(await deps.carts.addItem(id, item.productId, item.quantity));
  });

  router.patch('/carts/:id/items/:productId', async (req, res) => {
    const id = parse(uuid, req.params.id, 'id');
    const productId = parse(productIdParam, req.params.productId, 'productId');
    const { quantity } = parse(setQuantityBody, req.body);
    res.set('Cache-Control', 'no-store').json(await deps.carts.setQuantity(id, productId, quantity));
  });

  router.delete('/carts/:id/items/:productId', async (req, res) => {
    const id = parse(uuid, req.params.id, 'id');
    const productId = parse(productIdParam, req.params.productId, 'productId');
    await deps.carts.removeItem(id, productId);
    res.status(204).end();
  });

  router.post('/orders', async (req, res) => {
    const key = parse(idempotencyKey, req.get('idempotency-key'), 'Idempotency-Key');
    const input = parse(orderBody, req.body);
    const result = await deps.checkout.placeOrder(key, input);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    res
      .status(result.status)
      .location(`/api/orders/${result.body.id}`)
      .set('Cache-Control', 'no-store')
      .json(result.body);
  });

  router.get('/orders/:id', async (req, res) => {
    const id = parse(uuid, req.params.id, 'id');
    const order = await deps.checkout.findOrder(id);
    if (!order) throw notFound('order', 'id');
    res.set('Cache-Control', 'no-store').json(order);
  });

  router.use((req) => {
    throw new AppError(404, 'not_found', `no API route for ${req.method} ${req.baseUrl}${req.path}`);
  });
  return router;
}
