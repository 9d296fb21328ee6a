import type {
  OrderItem,
  OrderRecord,
  OrderStore,
  OrderTransaction,
  PricedProduct,
  Shipment,
  StoredResponse,
} from '../domain/orders.ts';
import type { ProductRecord } from '../domain/ports.ts';
import { type Pool, type PoolClient, query, withTransaction } from './db.ts';

const PRODUCT_COLUMNS = `id, sku, name, description, price_cents AS "priceCents", currency, stock, image_path AS "imagePath"`;

async function findIdempotencyRecord(
  db: Pool | PoolClient,
  key: string,
): Promise<StoredResponse | undefined> {
  const { rows } = await query<{
    request_hash: string;
    response_status: number | null;
    response_body: unknown;
  }>(db, 'SELECT request_hash, response_status, response_body FROM idempotency_keys WHERE key = $1', [key]);
  const row = rows[0];
  return row && { requestHash: row.request_hash, status: row.response_status, body: row.response_body };
}

/** One checkout transaction's statements on one connection (the caller's BEGIN/COMMIT). */
class OrderTx implements OrderTransaction {
  readonly #tx: PoolClient;
  constructor(tx: PoolClient) {
    this.#tx = tx;
  }

  findIdempotencyRecord(key: string): Promise<StoredResponse | undefined> {
    return findIdempotencyRecord(this.#tx, key);
  }

  /**
   * The only way stock goes down: one conditional UPDATE, so two checkouts can never both take the
   * last unit (the second re-checks `stock >= $2` after the first commits). It also re-checks the
   * price the order was priced at. No row → short, repriced, or gone: the caller finds out which.
   */
  async decrementStock(productId: number, quantity: number, priceCents: number): Promise<boolean> {
    const { rowCount } = await query(
      this.#tx,
      `UPDATE products SET stock = stock - $2, updated_at = now()
       WHERE id = $1 AND stock >= $2 AND price_cents = $3`,
      [productId, quantity, priceCents],
    );
    return rowCount === 1;
  }

  /**
   * Claims the key inside the transaction, reads the products' prices and draws the next order
   * number, in one round trip. `claimed` is true when this transaction owns the key. If another
   * transaction holds an uncommitted claim, Postgres blocks this INSERT until that one ends (then:
   * DO NOTHING if it committed, insert if it rolled back). A number drawn by a checkout that fails
   * is skipped (sequences never go back): numbers are unique, not gapless.
   */
  async claimAndPrice(
    key: string,
    requestHash: string,
    productIds: readonly number[],
  ): Promise<{ claimed: boolean; products: PricedProduct[]; orderNumber: number }> {
    const { rows } = await query<{ claimed: number; order_number: string } & Partial<PricedProduct>>(
      this.#tx,
      `WITH claim AS (
         INSERT INTO idempotency_keys (key, request_hash) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING 1
       ), numbered AS (
         SELECT nextval('order_numbers') AS n WHERE EXISTS (SELECT 1 FROM claim)
       ), priced AS (
         SELECT id, sku, name, price_cents AS "priceCents", currency FROM products WHERE id = ANY($3::int[])
       )
       SELECT (SELECT count(*) FROM claim)::int AS claimed, (SELECT n FROM numbered) AS order_number, priced.*
       FROM (SELECT 1) AS one LEFT JOIN priced ON true`,
      [key, requestHash, [...productIds]],
    );
    return {
      claimed: rows[0]?.claimed === 1,
      orderNumber: Number(rows[0]?.order_number ?? 0),
      products: rows
        .filter((r) => r.id != null)
        .map(
          ({ id, sku, name, priceCents, currency }) =>
            ({ id, sku, name, priceCents, currency }) as PricedProduct,
        ),
    };
  }

  /** Inserts the order, its lines and the stored response for `key` in one statement. */
  async insertOrder(order: OrderRecord, key: string, response: unknown): Promise<void> {
    await query(
      this.#tx,
      `WITH head AS (
         INSERT INTO orders (id, number, status, email, subtotal_cents, shipping_cents, tax_cents, total_cents,
                             currency, shipping, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ), lines AS (
         INSERT INTO order_items (order_id, product_id, sku, name, unit_price_cents, quantity)
         SELECT $1, * FROM unnest($12::int[], $13::text[], $14::text[], $15::int[], $16::int[])
       )
       UPDATE idempotency_keys SET response_status = 201, response_body = $17, order_id = $1 WHERE key = $18`,
      [
        order.id,
        order.number,
        order.status,
        order.email,
        order.subtotalCents,
        order.shippingCents,
        order.taxCents,
        order.totalCents,
        order.currency,
        order.shipping === null ? null : JSON.stringify(order.shipping),
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

  async findProduct(id: number): Promise<ProductRecord | undefined> {
    const { rows } = await query<ProductRecord>(
      this.#tx,
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = $1`,
      [id],
    );
    return rows[0];
  }
}

/** Data access for orders and idempotency records. */
export class OrderRepository implements OrderStore {
  readonly #pool: Pool;
  constructor(pool: Pool) {
    this.#pool = pool;
  }

  inTransaction<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T> {
    return withTransaction(this.#pool, (client) => work(new OrderTx(client)));
  }

  findIdempotencyRecord(key: string): Promise<StoredResponse | undefined> {
    return findIdempotencyRecord(this.#pool, key);
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

  async findById(id: string): Promise<OrderRecord | undefined> {
    const { rows } = await query<{
      id: string;
      number: string;
      status: string;
      email: string | null;
      subtotal_cents: string;
      shipping_cents: string;
      tax_cents: string;
      total_cents: string;
      currency: string;
      shipping: Shipment | null;
      created_at: Date;
    }>(
      this.#pool,
      `SELECT id, number, status, email, subtotal_cents, shipping_cents, tax_cents, total_cents, currency,
              shipping, created_at
       FROM orders WHERE id = $1`,
      [id],
    );
    const head = rows[0];
    if (!head) return undefined;
    const items = await query<OrderItem>(
      this.#pool,
      `SELECT product_id AS "productId", sku, name, unit_price_cents AS "unitPriceCents", quantity
       FROM order_items WHERE order_id = $1 ORDER BY product_id`,
      [id],
    );
    return {
      id: head.id,
      number: Number(head.number),
      status: head.status,
      email: head.email,
      subtotalCents: Number(head.subtotal_cents),
      shippingCents: Number(head.shipping_cents),
      taxCents: Number(head.tax_cents),
      totalCents: Number(head.total_cents),
      currency: head.currency,
      shipping: head.shipping,
      createdAt: head.created_at.toISOString(),
      items: items.rows,
    };
  }
}
