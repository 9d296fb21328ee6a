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

/** Data access for orders and idempotency records; callers own the transaction. */
export class OrderRepository {
  readonly #pool: Pool;
  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /**
   * Claims the key inside the caller's transaction. Returns true when this transaction owns it. If
   * another transaction holds an uncommitted claim, Postgres blocks this INSERT until that one ends.
   */
  async claimIdempotencyKey(tx: PoolClient, key: string, requestHash: string): Promise<boolean> {
    const { rowCount } = await query(
      tx,
      'INSERT INTO idempotency_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
      [key, requestHash],
    );
    return rowCount === 1;
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

  async recordResponse(
    tx: PoolClient,
    key: string,
    status: number,
    body: unknown,
    orderId: string,
  ): Promise<void> {
    await query(
      tx,
      'UPDATE idempotency_keys SET response_status = $2, response_body = $3, order_id = $4 WHERE key = $1',
      [key, status, JSON.stringify(body), orderId],
    );
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

  async insertOrder(
    tx: PoolClient,
    order: { email: string | null; totalCents: number; currency: string; items: OrderItemRow[] },
  ): Promise<OrderRow> {
    const { rows } = await query<{ id: string; status: string; created_at: Date }>(
      tx,
      'INSERT INTO orders (email, total_cents, currency) VALUES ($1, $2, $3) RETURNING id, status, created_at',
      [order.email, order.totalCents, order.currency],
    );
    const head = rows[0]!;
    await query(
      tx,
      `INSERT INTO order_items (order_id, product_id, sku, name, unit_price_cents, quantity)
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::int[], $6::int[])`,
      [
        head.id,
        order.items.map((i) => i.productId),
        order.items.map((i) => i.sku),
        order.items.map((i) => i.name),
        order.items.map((i) => i.unitPriceCents),
        order.items.map((i) => i.quantity),
      ],
    );
    return {
      id: head.id,
      status: head.status,
      email: order.email,
      totalCents: order.totalCents,
      currency: order.currency,
      createdAt: head.created_at.toISOString(),
      items: order.items,
    };
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
