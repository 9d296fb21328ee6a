import type { PoolClient } from './data/db.ts';
import type { NewProduct, ProductRepository } from './data/product-repo.ts';

/** The demo catalog: a dozen products whose images are local static SVGs. Re-runnable (by SKU). */
export const DEMO_PRODUCTS: NewProduct[] = [
  {
    sku: 'MUG-STONE',
    name: 'Stoneware Mug',
    description: 'A hand-glazed 350 ml mug that keeps coffee warm and hands cool.',
    priceCents: 1800,
    currency: 'USD',
    stock: 120,
    imagePath: 'img/mug.svg',
  },
  {
    sku: 'TEE-ORGANIC',
    name: 'Organic Cotton Tee',
    description: 'Heavyweight organic cotton, relaxed fit, garment-dyed in small batches.',
    priceCents: 2900,
    currency: 'USD',
    stock: 80,
    imagePath: 'img/tee.svg',
  },
  {
    sku: 'BAG-CANVAS',
    name: 'Canvas Tote',
    description: 'Waxed canvas tote with leather handles and an inside pocket.',
    priceCents: 4200,
    currency: 'USD',
    stock: 45,
    imagePath: 'img/tote.svg',
  },
  {
    sku: 'NOTE-DOT',
    name: 'Dot-Grid Notebook',
    description: 'A5, 192 pages of 100 gsm paper that takes fountain pens without bleeding.',
    priceCents: 1600,
    currency: 'USD',
    stock: 200,
    imagePath: 'img/notebook.svg',
  },
  {
    sku: 'PEN-BRASS',
    name: 'Brass Pen',
    description: 'Solid brass ballpoint that develops a patina over the years.',
    priceCents: 3500,
    currency: 'USD',
    stock: 60,
    imagePath: 'img/pen.svg',
  },
  {
    sku: 'LAMP-DESK',
    name: 'Desk Lamp',
    description: 'Warm LED desk lamp with a weighted base and a dimmer.',
    priceCents: 8900,
    currency: 'USD',
    stock: 25,
    imagePath: 'img/lamp.svg',
  },
  {
    sku: 'PLANT-POT',
    name: 'Terracotta Planter',
    description: 'Unglazed terracotta planter with a drainage saucer, 15 cm.',
    priceCents: 2400,
    currency: 'USD',
    stock: 70,
    imagePath: 'img/planter.svg',
  },
  {
    sku: 'CANDLE-CEDAR',
    name: 'Cedar Candle',
    description: 'Soy wax candle with cedar and bergamot, 50 hours of burn time.',
    priceCents: 2200,
    currency: 'USD',
    stock: 90,
    imagePath: 'img/candle.svg',
  },
  {
    sku: 'BOTTLE-STEEL',
    name: 'Steel Bottle',
    description: 'Insulated 750 ml bottle: cold for a day, hot for twelve hours.',
    priceCents: 3200,
    currency: 'USD',
    stock: 110,
    imagePath: 'img/bottle.svg',
  },
  {
    sku: 'SOCKS-WOOL',
    name: 'Merino Socks',
    description: 'Cushioned merino socks that stay fresh through long days.',
    priceCents: 1900,
    currency: 'USD',
    stock: 150,
    imagePath: 'img/socks.svg',
  },
  {
    sku: 'CAP-FIELD',
    name: 'Field Cap',
    description: 'Six-panel cotton cap with an adjustable brass buckle.',
    priceCents: 2700,
    currency: 'USD',
    stock: 8,
    imagePath: 'img/cap.svg',
  },
  {
    sku: 'BLANKET-WOOL',
    name: 'Wool Throw',
    description: 'Woven lambswool throw, 130 × 180 cm, made in a family mill.',
    priceCents: 11900,
    currency: 'USD',
    stock: 15,
    imagePath: 'img/blanket.svg',
  },
];

export async function seedCatalog(products: ProductRepository): Promise<number[]> {
  const ids: number[] = [];
  for (const product of DEMO_PRODUCTS) ids.push((await products.upsertBySku(product)).id);
  return ids;
}

/** The marker row that records the one-time decision (seeded or not), so it is never taken again. */
const DEMO_MARKER = 'demo_catalog';

/**
 * DEMO_CATALOG=true: seeds the demo catalog if, and only if, this database has never decided it
 * before and holds no product. Runs under the migration lock (replicas starting together take
 * turns), in one transaction with the marker: a catalog is seeded at most once, and never over real
 * products (a shop that already has products gets the marker and nothing else). Returns the new ids.
 */
export async function seedDemoCatalogOnce(client: PoolClient): Promise<number[]> {
  await client.query('BEGIN');
  try {
    const marked = await client.query(
      'INSERT INTO app_markers (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING name',
      [DEMO_MARKER],
    );
    const empty = (await client.query('SELECT NOT EXISTS (SELECT 1 FROM products) AS empty')).rows[0].empty;
    const ids: number[] = [];
    if (marked.rowCount === 1 && empty) {
      const { rows } = await client.query<{ id: number }>(
        `INSERT INTO products (sku, name, description, price_cents, currency, stock, image_path)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[])
         RETURNING id`,
        [
          DEMO_PRODUCTS.map((p) => p.sku),
          DEMO_PRODUCTS.map((p) => p.name),
          DEMO_PRODUCTS.map((p) => p.description),
          DEMO_PRODUCTS.map((p) => p.priceCents),
          DEMO_PRODUCTS.map((p) => p.currency),
          DEMO_PRODUCTS.map((p) => p.stock),
          DEMO_PRODUCTS.map((p) => p.imagePath),
        ],
      );
      ids.push(...rows.map((r) => r.id));
      await client.query("UPDATE app_markers SET note = 'seeded' WHERE name = $1", [DEMO_MARKER]);
    } else if (marked.rowCount === 1) {
      await client.query(
        "UPDATE app_markers SET note = 'skipped: the catalog had products' WHERE name = $1",
        [DEMO_MARKER],
      );
    }
    await client.query('COMMIT');
    return ids;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
