import { createHash, randomUUID } from 'node:crypto';
import type { Carts } from './carts.ts';
import { AppError } from './errors.ts';
import type {
  OrderItem,
  OrderRecord,
  OrderStore,
  OrderTransaction,
  Shipment,
  StoredResponse,
} from './orders.ts';
import type { CheckoutMetrics, Log } from './ports.ts';
import { orderTotals } from './pricing.ts';
import type { OrderInput } from './schemas.ts';

export interface ShippingRate {
  id: string;
  label: string;
  cents: number;
}

/** An order as the API and the pages show it (also the response stored under its Idempotency-Key). */
export type OrderResponse = OrderRecord;

export interface CheckoutResult {
  status: number;
  body: OrderResponse;
  replayed: boolean;
}

export interface Quote {
  subtotalCents: number;
  taxCents: number;
  taxRateBasisPoints: number;
  options: { rate: ShippingRate; totalCents: number }[];
}

/** Invalidates cached catalog reads after stock changed (data/catalog-cache.ts implements it). */
export interface CatalogInvalidation {
  invalidateProducts(ids: readonly number[]): Promise<void>;
}

export function presentOrder(order: OrderRecord): OrderResponse {
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    email: order.email,
    subtotalCents: order.subtotalCents,
    shippingCents: order.shippingCents,
    taxCents: order.taxCents,
    totalCents: order.totalCents,
    currency: order.currency,
    shipping: order.shipping,
    items: order.items,
    createdAt: order.createdAt,
  };
}

/** Stable fingerprint of a validated request: same meaning, same hash, whatever the key order. */
export function requestHash(input: OrderInput): string {
  const s = input.shipping;
  const canonical = JSON.stringify({
    cartId: input.cartId ?? null,
    email: input.email ?? null,
    items: input.items?.map((i) => [i.productId, i.quantity]) ?? null,
    shipping: s ? [s.name, s.line1, s.line2 ?? '', s.city, s.postalCode, s.country] : null,
    shippingMethod: input.shippingMethod ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

type Lines = [string, { productId: number; quantity: number }][];

/**
 * Places orders exactly once per Idempotency-Key, and never oversells; totals are computed here, in
 * integer cents, from the prices read inside the transaction (goods + flat shipping + tax).
 *
 * In one transaction: claim the key (a duplicate running concurrently blocks on the key's unique
 * index until this transaction ends), insert the order and its lines with the response, then
 * decrement each product's stock with a conditional UPDATE (`WHERE stock >= $n`, in product-id
 * order so two multi-item orders cannot deadlock). A short product rolls everything back (including
 * the key claim, so a later retry is evaluated afresh). A duplicate that finds a stored response
 * replays it; one with a different body is refused with 422.
 */
export class Checkout {
  readonly #orders: OrderStore;
  readonly #carts: Carts;
  readonly #cache: CatalogInvalidation;
  readonly #metrics: CheckoutMetrics | undefined;
  readonly #log: Log;
  readonly #rates: ShippingRate[];
  readonly #taxBasisPoints: number;

  constructor(deps: {
    orders: OrderStore;
    carts: Carts;
    cache: CatalogInvalidation;
    metrics?: CheckoutMetrics;
    log: Log;
    shippingRates: ShippingRate[];
    taxRateBasisPoints: number;
  }) {
    this.#orders = deps.orders;
    this.#carts = deps.carts;
    this.#cache = deps.cache;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
    this.#rates = deps.shippingRates;
    this.#taxBasisPoints = deps.taxRateBasisPoints;
  }

  get shippingRates(): readonly ShippingRate[] {
    return this.#rates;
  }

  get taxRateBasisPoints(): number {
    return this.#taxBasisPoints;
  }

  /**
   * What checking out this cart would cost with each shipping method (today's prices; the order
   * fixes them). The pages show it without JavaScript: one total per method.
   */
  quote(cart: { items: { unitPriceCents: number; quantity: number }[] }): Quote {
    const goods = orderTotals(cart.items, 0, this.#taxBasisPoints);
    return {
      subtotalCents: goods.subtotalCents,
      taxCents: goods.taxCents,
      taxRateBasisPoints: this.#taxBasisPoints,
      options: this.#rates.map((rate) => ({ rate, totalCents: goods.totalCents + rate.cents })),
    };
  }

  /** The order behind the buyer's link, or undefined. */
  async findOrder(id: string): Promise<OrderResponse | undefined> {
    const order = await this.#orders.findById(id);
    return order && presentOrder(order);
  }

  async placeOrder(idempotencyKey: string, input: OrderInput): Promise<CheckoutResult> {
    const hash = requestHash(input);
    if (input.cartId) {
      // A retry after success must replay even though its cart is spent by now: look before resolving.
      const earlier = await this.#orders.findIdempotencyRecord(idempotencyKey);
      if (earlier) return this.#replay(earlier, hash);
    }
    const shipment = this.#shipment(input);
    const items = await this.#resolveItems(input);
    let outcome: { created: OrderResponse } | { replayOf: StoredResponse | undefined };
    for (let attempt = 1; ; attempt++) {
      try {
        outcome = await this.#orders.inTransaction((tx) =>
          this.#placeInTransaction(tx, idempotencyKey, hash, input, items, shipment),
        );
        break;
      } catch (err) {
        // A price changed between pricing and taking stock: price the order again (rare).
        if (err instanceof Repriced && attempt < 3) continue;
        if (err instanceof Repriced)
          throw new AppError(409, 'price_changed', 'prices changed during checkout; please retry');
        if (err instanceof AppError && err.code === 'out_of_stock')
          this.#metrics?.orderOutcome('out_of_stock');
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
        this.#log.warn({ err: err.message, cartId: input.cartId }, 'could not delete a checked-out cart');
      });
    }
    this.#metrics?.orderOutcome('created');
    return { status: 201, body: outcome.created, replayed: false };
  }

  /** The shipment the request asks for: a configured flat rate (the first by default) to its address. */
  #shipment(input: OrderInput): Shipment | null {
    if (!input.shipping) {
      if (input.shippingMethod !== undefined)
        throw new AppError(422, 'shipping_address_required', 'a shipping method needs a shipping address', {
          field: 'shipping',
        });
      return null;
    }
    const rate =
      input.shippingMethod === undefined
        ? this.#rates[0]
        : this.#rates.find((r) => r.id === input.shippingMethod);
    if (!rate) {
      throw new AppError(
        422,
        'unknown_shipping_method',
        `shippingMethod must be one of ${this.#rates.map((r) => r.id).join(', ')}`,
        { field: 'shippingMethod' },
      );
    }
    const { name, line1, line2, city, postalCode, country } = input.shipping;
    return {
      method: rate.id,
      label: rate.label,
      cents: rate.cents,
      address: { name, line1, ...(line2 ? { line2 } : {}), city, postalCode, country },
    };
  }

  /**
   * Ordered so the hot product rows are locked as briefly as possible: everything that does not
   * need the row lock happens first (claim + pricing + order number in one statement, order + lines
   * + stored response in another); the stock UPDATEs come last, so a row is held only for its
   * UPDATE and the COMMIT. A single-item order is BEGIN + 3 statements + COMMIT.
   */
  async #placeInTransaction(
    tx: OrderTransaction,
    idempotencyKey: string,
    hash: string,
    input: OrderInput,
    items: Lines,
    shipment: Shipment | null,
  ): Promise<{ created: OrderResponse } | { replayOf: StoredResponse | undefined }> {
    const claim = await tx.claimAndPrice(
      idempotencyKey,
      hash,
      items.map(([, i]) => i.productId),
    );
    if (!claim.claimed) return { replayOf: await tx.findIdempotencyRecord(idempotencyKey) };
    const fromCart = input.cartId !== undefined;
    const products = new Map(claim.products.map((p) => [p.id, p]));
    const lines: OrderItem[] = [];
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
    const order: OrderRecord = {
      id: randomUUID(),
      number: claim.orderNumber,
      status: 'confirmed',
      email: input.email ?? null,
      ...orderTotals(lines, shipment?.cents ?? 0, this.#taxBasisPoints),
      currency: currency ?? 'USD',
      shipping: shipment,
      createdAt: new Date().toISOString(),
      items: lines,
    };
    const body = presentOrder(order);
    await tx.insertOrder(order, idempotencyKey, body);
    for (const [index, [where, item]] of items.entries()) {
      const pricedAt = lines[index]!.unitPriceCents;
      if (!(await tx.decrementStock(item.productId, item.quantity, pricedAt))) {
        throw await this.#shortfall(tx, where, item, pricedAt, fromCart);
      }
    }
    return { created: body };
  }

  #replay(record: StoredResponse, hash: string): CheckoutResult {
    if (record.requestHash !== hash) {
      this.#metrics?.orderOutcome('rejected');
      throw new AppError(
        422,
        'idempotency_key_reused',
        'this Idempotency-Key was already used with a different request body; use a new key',
        { field: 'Idempotency-Key' },
      );
    }
    if (record.status === null) throw new Error('idempotency record without a response');
    this.#metrics?.orderOutcome('replayed');
    return { status: record.status, body: record.body as OrderResponse, replayed: true };
  }

  /** The order's lines keyed by their position in the request (for error fields), in product-id order. */
  async #resolveItems(input: OrderInput): Promise<Lines> {
    let entries: Lines;
    if (input.cartId) {
      const lines = await this.#carts.lines(input.cartId);
      if (!lines)
        throw new AppError(404, 'not_found', 'cart not found (it may have expired)', { field: 'cartId' });
      if (lines.size === 0) throw new AppError(422, 'cart_empty', 'the cart is empty', { field: 'cartId' });
      entries = [...lines].map(([productId, quantity]) => ['cartId', { productId, quantity }]);
    } else {
      entries = (input.items ?? []).map((item, i) => [`items.${i}`, item]);
    }
    return entries.sort((a, b) => a[1].productId - b[1].productId);
  }

  async #shortfall(
    tx: OrderTransaction,
    where: string,
    item: { productId: number; quantity: number },
    pricedAt: number,
    fromCart: boolean,
  ): Promise<Error> {
    const product = await tx.findProduct(item.productId);
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
