import { type Pool, type PoolClient, query } from './db.ts';

export interface OrderItemRow {
  productId: number;
  sku: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

export interface OrderRow {
  id: string;
  status: string;
  email: string | null;
  totalCents: number;
  currency: string;
  createdAt: string;
  items: OrderItemRow[];
}

export interface StoredResponse {
  requestHash: string;
  status: number | null;
  body: unknown;
}

export interface PricedProduct {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
}

/** Data access for orders and idempotency records; callers own the transaction. */
export class OrderRepository {
  readonly #pool: Pool;
  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async findIdempotencyRecord(db: Pool | PoolClient, key: string): Promise<StoredResponse | undefined> {
    const { rows } = await query<{
      request_hash: string;
      response_status: number | null;
      response_body: unknown;
    }>(db, 'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE key = $1', [key]);
    const row = rows[0];
    return row && { requestHash: row.request_hash, status: row.response_status, body: row.response_body };
  }

  /**
   * Deletes answered Idempotency-Keys older than `ttlHours` (their orders stay): after that a
   * client may reuse the key for a new order, as with payment APIs. Claims still in flight
   * (no response yet) are never touched. Returns how many were removed.
   */
  async deleteExpiredIdempotencyKeys(ttlHours: number): Promise<number> {
    const { rowCount } = await query(
      this.#pool,
      `DELETE FROM idempotency_keys
       WHERE created_at < now() - make_interval(hours => $1) AND response_status IS NOT NULL`,
      [ttlHours],
    );
    return rowCount ?? 0;
  }

  /**
   * The only way stock goes down: one conditional UPDATE, so two checkouts can never both take the
   * last unit (the second re-checks `stock >= $2` after the first commits). It also re-checks the
   * price the order was priced at. No row → short, repriced, or gone: the caller finds out which.
   */
  async decrementStock(
    tx: PoolClient,
    productId: number,
    quantity: number,
    priceCents: number,
  ): Promise<boolean> {
    const { rowCount } = await query(
      tx,
      `UPDATE products SET stock = stock - $2, updated_at = now()
       WHERE id = $1 AND stock >= $2 AND price_cents = $3`,
      [productId, quantity, priceCents],
    );
    return rowCount === 1;
  }

  /**
   * Claims the key inside the caller's transaction and reads the products' prices, in one round
   * trip. `claimed` is true when this transaction owns the key. If another transaction holds an
   * uncommitted claim, Postgres blocks this INSERT until that one ends (then: DO NOTHING if it
   * committed, insert if it rolled back).
   */
  async claimAndPrice(
    tx: PoolClient,
    key: string,
    requestHash: string,
    productIds: readonly number[],
  ): Promise<{ claimed: boolean; products: PricedProduct[] }> {
    const { rows } = await query<{ claimed: number } & Partial<PricedProduct>>(
      tx,
      `WITH claim AS (
         INSERT INTO idempotency_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING 1
       ), priced AS (
         SELECT id, sku, name, price_cents AS "priceCents", currency FROM products WHERE id = ANY($3::int[])
       )
       SELECT (SELECT count(*) FROM claim)::int AS claimed, priced.* FROM (SELECT 1) AS one LEFT JOIN priced ON true`,
      [key, requestHash, [...productIds]],
    );
    return {
      claimed: rows[0]?.claimed === 1,
      products: rows.filter((r) => r.id != null).map((r) => r as PricedProduct),
    };
  }

  /** Inserts the order, its lines and the stored response for `key` in one statement. */
  async insertOrderWithResponse(
    tx: PoolClient,
    order: OrderRow,
    key: string,
    response: unknown,
  ): Promise<void> {
    await query(
      tx,
      `WITH head AS (
         INSERT INTO orders (id, status, email, total_cents, currency, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       ), lines AS (
         INSERT INTO order_items (order_id, product_id, sku, name, unit_price_cents, quantity)
         SELECT $1, * FROM unnest($7::int[], $8::text[], $9::text[], $10::int[], $11::int[])
       )
       UPDATE idempotency_keys SET response_status = 201, response_body = $12, order_id = $1 WHERE key = $13`,
      [
        order.id,
        order.status,
        order.email,
        order.totalCents,
        order.currency,
        order.createdAt,
        order.items.map((i) => i.productId),
        order.items.map((i) => i.sku),
        order.items.map((i) => i.name),
        order.items.map((i) => i.unitPriceCents),
        order.items.map((i) => i.quantity),
        JSON.stringify(response),
        key,
      ],
    );
  }

  async findById(id: string): Promise<OrderRow | undefined> {
    const { rows } = await query<{
      id: string;
      status: string;
      email: string | null;
      total_cents: string;
      currency: string;
      created_at: Date;
    }>(this.#pool, 'SELECT id, status, email, total_cents, currency, created_at FROM orders WHERE id = $1', [
      id,
    ]);
    const head = rows[0];
    if (!head) return undefined;
    const items = await query<OrderItemRow>(
      this.#pool,
      `SELECT product_id AS "productId", sku, name, unit_price_cents AS "unitPriceCents", quantity
       FROM order_items WHERE order_id = $1 ORDER BY product_id`,
      [id],
    );
    return {
      id: head.id,
      status: head.status,
      email: head.email,
      totalCents: Number(head.total_cents),
      currency: head.currency,
      createdAt: head.created_at.toISOString(),
      items: items.rows,
    };
  }
}
