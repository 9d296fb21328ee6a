import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/src/config/config.ts';
import { migrate } from '../../app/src/data/migrate.ts';
import { DEMO_PRODUCTS } from '../../app/src/seed.ts';
import { createLogger } from '../../app/src/server/logger.ts';
import { startWebServer } from '../../app/src/server/server.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';

let db: TestPostgres;

beforeAll(async () => {
  db = await startPostgres();
});
afterAll(async () => {
  await db?.destroy();
});

/** A fresh database in the private cluster, so each case starts from nothing. */
async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: db.url.replace(/\/shop$/, '/postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return db.url.replace(/\/shop$/, `/${name}`);
}

const start = (url: string, demo: boolean) =>
  startWebServer(
    loadConfig({
      PORT: '0',
      METRICS_PORT: '0',
      DATABASE_URL: url,
      LOG_LEVEL: 'silent',
      DEMO_CATALOG: String(demo),
    }),
    { migrate: true, logger: createLogger('silent') },
  );

async function skus(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query('SELECT sku FROM products ORDER BY id')).rows.map((r) => r.sku);
  } finally {
    await client.end();
  }
}

describe('demo catalog (DEMO_CATALOG=true)', () => {
  it('when two replicas start together on an empty database, then the demo catalog is seeded once, and never again', async () => {
    const url = await freshDatabase('demo_twice');
    const [a, b] = await Promise.all([start(url, true), start(url, true)]);
    try {
      expect(await skus(url)).toEqual(DEMO_PRODUCTS.map((p) => p.sku));
      const home = await (await fetch(`${a.url}/`)).text();
      expect(home).toContain('Stoneware Mug');
      const list = (await (await fetch(`${b.url}/api/products?limit=100`)).json()) as { items: unknown[] };
      expect(list.items).toHaveLength(12);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    // The shop owner empties the catalog; a restart does not bring the demo back.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('DELETE FROM products');
    await client.end();
    const again = await start(url, true);
    await again.stop();
    expect(await skus(url)).toEqual([]);
  });

  it('when the catalog already has real products, then nothing is seeded', async () => {
    const url = await freshDatabase('demo_real');
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await migrate(pool, createLogger('silent'));
    await pool.query(
      `INSERT INTO products (sku, name, price_cents, stock) VALUES ('REAL-1', 'A real product', 500, 3)`,
    );
    await pool.end();
    const server = await start(url, true);
    await server.stop();
    expect(await skus(url)).toEqual(['REAL-1']);
  });

  it('when DEMO_CATALOG is not set, then an empty database stays empty', async () => {
    const url = await freshDatabase('demo_off');
    const server = await start(url, false);
    await server.stop();
    expect(await skus(url)).toEqual([]);
  });
});
