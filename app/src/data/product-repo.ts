import type { ProductRecord } from '../domain/ports.ts';
import { type Pool, type PoolClient, query } from './db.ts';

/** A products row is the domain's ProductRecord (the repository implements its ports). */
export type ProductRow = ProductRecord;

const COLUMNS = `id, sku, name, description, price_cents AS "priceCents", currency, stock, image_path AS "imagePath"`;

export type NewProduct = Omit<ProductRecord, 'id'>;

export interface ProductChanges {
  name?: string;
  description?: string;
  priceCents?: number;
  stock?: number;
  imagePath?: string | null;
}

/** Data access for products; every statement is parameterized. */
export class ProductRepository {
  readonly #pool: Pool;
  constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Keyset page ordered by id: `afterId` is the last id of the previous page. */
  async list(limit: number, afterId: number): Promise<ProductRow[]> {
    const { rows } = await query<ProductRow>(
      this.#pool,
      `SELECT ${COLUMNS} FROM products WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows;
  }

  async findById(id: number): Promise<ProductRow | undefined> {
    const { rows } = await query<ProductRow>(this.#pool, `SELECT ${COLUMNS} FROM products WHERE id = $1`, [
      id,
    ]);
    return rows[0];
  }

  async findByIds(ids: readonly number[], db: Pool | PoolClient = this.#pool): Promise<ProductRow[]> {
    const { rows } = await query<ProductRow>(
      db,
      `SELECT ${COLUMNS} FROM products WHERE id = ANY($1::int[])`,
      [[...ids]],
    );
    return rows;
  }

  async insert(p: NewProduct): Promise<ProductRow> {
    const { rows } = await query<ProductRow>(
      this.#pool,
      `INSERT INTO products (sku, name, description, price_cents, currency, stock, image_path)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [p.sku, p.name, p.description, p.priceCents, p.currency, p.stock, p.imagePath],
    );
    return rows[0]!;
  }

  /** Inserts or refreshes a product by SKU (the seed is re-runnable). */
  async upsertBySku(p: NewProduct): Promise<ProductRow> {
    const { rows } = await query<ProductRow>(
      this.#pool,
      `INSERT INTO products (sku, name, description, price_cents, currency, stock, image_path)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
         price_cents = EXCLUDED.price_cents, currency = EXCLUDED.currency, stock = EXCLUDED.stock,
         image_path = EXCLUDED.image_path, updated_at = now()
       RETURNING ${COLUMNS}`,
      [p.sku, p.name, p.description, p.priceCents, p.currency, p.stock, p.imagePath],
    );
    return rows[0]!;
  }

  async update(id: number, changes: ProductChanges): Promise<ProductRow | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    const column = {
      name: 'name',
      description: 'description',
      priceCents: 'price_cents',
      stock: 'stock',
      imagePath: 'image_path',
    } as const;
    for (const [key, col] of Object.entries(column) as [keyof ProductChanges, string][]) {
      if (changes[key] === undefined) continue;
      values.push(changes[key]);
      sets.push(`${col} = $${values.length}`);
    }
    if (sets.length === 0) return this.findById(id);
    const { rows } = await query<ProductRow>(
      this.#pool,
      `UPDATE products SET ${sets.join(', ')}, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
      values,
    );
    return rows[0];
  }
}
