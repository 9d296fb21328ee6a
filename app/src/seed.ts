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
