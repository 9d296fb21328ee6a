import { createHash, randomUUID } from 'node:crypto';
import type { CatalogCache } from '../data/catalog-cache.ts';
import { type Pool, type PoolClient, withTransaction } from '../data/db.ts';
import type { OrderItemRow, OrderRepository, OrderRow, StoredResponse } from '../data/order-repo.ts';
import type { ProductRepository } from '../data/product-repo.ts';
import type { Logger } from '../server/logger.ts';
import type { Metrics } from '../server/metrics.ts';
import type { Carts } from './carts.ts';
import { AppError } from './errors.ts';
import type { OrderInput } from './schemas.ts';

export interface OrderResponse {
  id: string;
  status: string;
  totalCents: number;
  currency: string;
  email: string | null;
  items: OrderItemRow[];
  createdAt: string;
}

export interface CheckoutResult {
  status: number;
  body: OrderResponse;
  replayed: boolean;
}

export function presentOrder(order: OrderRow): OrderResponse {
  return {
    id: order.id,
    status: order.status,
    totalCents: order.totalCents,
    currency: order.currency,
    email: order.email,
    items: order.items,
    createdAt: order.createdAt,
  };
}

/** Stable fingerprint of a validated request: same meaning, same hash, whatever the key order. */
export function requestHash(input: OrderInput): string {
  const canonical = JSON.stringify({
    cartId: input.cartId ?? null,
    email: input.email ?? null,
    items: input.items?.map((i) => [i.productId, i.quantity]) ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Places orders exactly once per Idempotency-Key, and never oversells.
 *
 * In one transaction: claim the key (a duplicate running concurrently blocks on the key's unique
 * index until this transaction ends), decrement each product's stock with a conditional UPDATE
 * (`WHERE stock >= $n`, in product-id order so two multi-item orders cannot deadlock), insert the
 * order and its lines, and store the response under the key. A short product rolls everything back
 * (including the key claim, so a later retry is evaluated afresh). A duplicate that finds a stored
 * response replays it; one with a different body is refused with 422.
 */
export class Checkout {
  readonly #pool: Pool;
  readonly #orders: OrderRepository;
  readonly #products: ProductRepository;
  readonly #carts: Carts;
  readonly #cache: CatalogCache;
  readonly #metrics: Metrics | undefined;
  readonly #logger: Logger;

  constructor(deps: {
    pool: Pool;
    orders: OrderRepository;
    products: ProductRepository;
    carts: Carts;
    cache: CatalogCache;
    metrics?: Metrics;
    logger: Logger;
  }) {
    this.#pool = deps.pool;
    this.#orders = deps.orders;
    this.#products = deps.products;
    this.#carts = deps.carts;
    this.#cache = deps.cache;
    this.#metrics = deps.metrics;
    this.#logger = deps.logger;
  }

  async placeOrder(idempotencyKey: string, input: OrderInput): Promise<CheckoutResult> {
    const hash = requestHash(input);
    if (input.cartId) {
      // A retry after success must replay even though its cart is spent by now: look before resolving.
      const earlier = await this.#orders.findIdempotencyRecord(this.#pool, idempotencyKey);
      if (earlier) return this.#replay(earlier, hash);
    }

    const items = await this.#resolveItems(input);
    let outcome: { created: OrderResponse } | { replayOf: StoredResponse | undefined };
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = await withTransaction(this.#pool, (tx) =>
          this.#placeInTransaction(tx, idempotencyKey, hash, input, items),
        );
        break;
      } catch (err) {
        // A price changed between pricing and taking stock: price the order again (rare).
        if (err instanceof Repriced && attempt < 3) continue;
        if (err instanceof Repriced)
          throw new AppError(409, 'price_changed', 'prices changed during checkout; please retry');
        if (err instanceof AppError && err.code === 'out_of_stock')
          this.#metrics?.orders.inc({ outcome: 'out_of_stock' });
        throw err;
      }
    }

    if ('replayOf' in outcome) {
      if (!outcome.replayOf) throw new Error(`idempotency key ${idempotencyKey} vanished after a conflict`);
      return this.#replay(outcome.replayOf, hash);
    }
    // Committed. The stock change must be visible to the next catalog read, and the cart is spent.
    await this.#cache.invalidateProducts(outcome.created.items.map((i) => i.productId));
    if (input.cartId) {
      await this.#carts.forget(input.cartId).catch((err: Error) => {
        this.#logger.warn({ err: err.message, cartId: input.cartId }, 'could not delete a checked-out cart');
      });
    }
    this.#metrics?.orders.inc({ outcome: 'created' });
    return { status: 201, body: outcome.created, replayed: false };
  }

  /**
   * Ordered so the hot product rows are locked as briefly as possible: everything that does not
   * need the row lock happens first (claim + pricing in one statement, order + lines + stored
   * response in another); the stock UPDATEs come last, so a row is held only for its UPDATE and the
   * COMMIT. A single-item order is BEGIN + 3 statements + COMMIT.
   */
  async #placeInTransaction(
    tx: PoolClient,
    idempotencyKey: string,
    hash: string,
    input: OrderInput,
    items: [string, { productId: number; quantity: number }][],
  ): Promise<{ created: OrderResponse } | { replayOf: StoredResponse | undefined }> {
    const claim = await this.#orders.claimAndPrice(
      tx,
      idempotencyKey,
      hash,
      items.map(([, i]) => i.productId),
    );
    if (!claim.claimed) {
      return { replayOf: await this.#orders.findIdempotencyRecord(tx, idempotencyKey) };
    }
    const fromCart = input.cartId !== undefined;
    const products = new Map(claim.products.map((p) => [p.id, p]));
    const lines: OrderItemRow[] = [];
    let currency: string | undefined;
    for (const [where, item] of items) {
      const product = products.get(item.productId);
      if (!product) {
        throw new AppError(422, 'unknown_product', `product ${item.productId} does not exist`, {
          field: fromCart ? where : `${where}.productId`,
        });
      }
      if (currency !== undefined && product.currency !== currency) {
        throw new AppError(422, 'mixed_currency', 'all items of an order must share one currency', {
          field: 'items',
        });
      }
      currency = product.currency;
      lines.push({
        productId: product.id,
        sku: product.sku,
        name: product.name,
        unitPriceCents: product.priceCents,
        quantity: item.quantity,
      });
    }
    const totalCents = lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
    const order: OrderRow = {
      id: randomUUID(),
      status: 'confirmed',
      email: input.email ?? null,
      totalCents,
      currency: currency ?? 'USD',
      createdAt: new Date().toISOString(),
      items: lines,
    };
    const body = presentOrder(order);
    await this.#orders.insertOrderWithResponse(tx, order, idempotencyKey, body);
    for (const [index, [where, item]] of items.entries()) {
      const pricedAt = lines[index]!.unitPriceCents;
      if (!(await this.#orders.decrementStock(tx, item.productId, item.quantity, pricedAt))) {
        throw await this.#shortfall(tx, where, item, pricedAt, fromCart);
      }
    }
    return { created: body };
  }

  #replay(
    record: { requestHash: string; status: number | null; body: unknown },
    hash: string,
  ): CheckoutResult {
    if (record.requestHash !== hash) {
      this.#metrics?.orders.inc({ outcome: 'rejected' });
      throw new AppError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request body; use a new key',
        { field: 'Idempotency-Key' },
      );
    }
    if (record.status === null) throw new Error('idempotency record without a response');
    this.#metrics?.orders.inc({ outcome: 'replayed' });
    return { status: record.status, body: record.body as OrderResponse, replayed: true };
  }

  /** The order's lines keyed by their position in the request (for error fields), in product-id order. */
  async #resolveItems(input: OrderInput): Promise<[string, { productId: number; quantity: number }][]> {
    let entries: [string, { productId: number; quantity: number }][];
    if (input.cartId) {
      const lines = await this.#carts.lines(input.cartId);
      if (!lines)
        throw new AppError(404, 'not_found', 'cart not found (it may have expired)', { field: 'cartId' });
      if (lines.size === 0) throw new AppError(422, 'cart_empty', 'the cart is empty', { field: 'cartId' });
      entries = [...lines].map(([productId, quantity]) => [`cartId`, { productId, quantity }]);
    } else {
      entries = (input.items ?? []).map((item, i) => [`items.${i}`, item]);
    }
    return entries.sort((a, b) => a[1].productId - b[1].productId);
  }

  async #shortfall(
    tx: PoolClient,
    where: string,
    item: { productId: number; quantity: number },
    pricedAt: number,
    fromCart: boolean,
  ): Promise<Error> {
    const product = (await this.#products.findByIds([item.productId], tx))[0];
    if (!product) {
      return new AppError(422, 'unknown_product', `product ${item.productId} does not exist`, {
        field: fromCart ? where : `${where}.productId`,
      });
    }
    if (product.stock >= item.quantity && product.priceCents !== pricedAt) return new Repriced();
    return new AppError(
      409,
      'out_of_stock',
      product.stock === 0
        ? `${product.name} (${product.sku}) is out of stock`
        : `only ${product.stock} of ${product.name} (${product.sku}) left; requested ${item.quantity}`,
      { field: fromCart ? where : `${where}.quantity` },
    );
  }
}

class Repriced extends Error {
  constructor() {
    super('product repriced during checkout');
    this.name = 'Repriced';
  }
}
