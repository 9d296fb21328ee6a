import { describe, expect, it, vi } from 'vitest';
import { CatalogCache } from '../../app/src/data/catalog-cache.ts';
import { ProductRepository, type ProductRow } from '../../app/src/data/product-repo.ts';
import { createRedis } from '../../app/src/data/redis.ts';
import { Catalog } from '../../app/src/domain/catalog.ts';
import { useShop } from './support/shop.ts';

const shop = useShop();

const createProduct = (sku: string, priceCents: number, stock = 10): Promise<number> =>
  shop.createProduct({ sku, priceCents, stock });

/** A repository whose reads stop after loading from Postgres until the test lets them go on. */
class GatedRepository extends ProductRepository {
  loads = 0;
  #release!: () => void;
  #gate = new Promise<void>((resolve) => {
    this.#release = resolve;
  });
  #loaded!: () => void;
  readonly loaded = new Promise<void>((resolve) => {
    this.#loaded = resolve;
  });

  override async findById(id: number): Promise<ProductRow | undefined> {
    const row = await super.findById(id);
    this.loads += 1;
    this.#loaded();
    await this.#gate;
    return row;
  }

  override async list(limit: number, afterId: number): Promise<ProductRow[]> {
    const rows = await super.list(limit, afterId);
    this.loads += 1;
    this.#loaded();
    await this.#gate;
    return rows;
  }

  release() {
    this.#release();
  }
}

function gatedCatalog() {
  const { pool, cache, assets } = shop.server.services;
  const products = new GatedRepository(pool);
  return { products, catalog: new Catalog({ products, cache, assets }) };
}

describe('catalog cache', () => {
  it('when a price is updated, then the very next read shows the new price', async () => {
    const id = await createProduct('CACHE-PRICE', 1000);
    expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1000);
    expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1000); // now served from Redis
    const patch = await shop.admin(`/api/products/${id}`, 'PATCH', { priceCents: 1250 });
    expect(patch.status, patch.text).toBe(200);
    expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1250);
    const list = await shop.api('/api/products?limit=100');
    expect(list.body.items.find((p: { id: number }) => p.id === id).priceCents).toBe(1250);
  });

  it('when reads repeat, then they are served from Redis (hits are counted)', async () => {
    const id = await createProduct('CACHE-HITS', 700);
    const hits = async () =>
      (await shop.server.services.metrics.cacheRequests.get()).values.find((v) => v.labels.result === 'hit')
        ?.value ?? 0;
    await shop.api(`/api/products/${id}`);
    const before = await hits();
    await shop.api(`/api/products/${id}`);
    await shop.api(`/api/products/${id}`);
    expect((await hits()) - before).toBe(2);
  });

  it('when a cache fill races a price update (load old row → update commits → fill), then the old price is never cached', async () => {
    const id = await createProduct('CACHE-RACE', 1000);
    const { products, catalog } = gatedCatalog();
    // 1. A reader misses the cache and loads the row (price 1000) from Postgres, then stalls before filling.
    const staleRead = catalog.get(id);
    await products.loaded;
    // 2. The price changes and commits while the reader holds the old row.
    expect((await shop.admin(`/api/products/${id}`, 'PATCH', { priceCents: 2000 })).status).toBe(200);
    // 3. The reader resumes and tries to fill the cache with what it loaded.
    products.release();
    expect((await staleRead)?.priceCents).toBe(1000); // its own answer began before the update
    // 4. Every later read sees the committed price: the stale fill was refused.
    for (let i = 0; i < 3; i++) expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(2000);
    expect((await catalog.get(id))?.priceCents).toBe(2000);
  });

  it('when a list-page fill races a stock update, then the old stock is never cached', async () => {
    const id = await createProduct('CACHE-LIST-RACE', 500, 7);
    const { products, catalog } = gatedCatalog();
    const staleRead = catalog.list(100);
    await products.loaded;
    expect((await shop.admin(`/api/products/${id}`, 'PATCH', { stock: 3 })).status).toBe(200);
    products.release();
    expect((await staleRead).items.find((p) => p.id === id)?.stock).toBe(7);
    const page = await shop.api('/api/products?limit=100');
    expect(page.body.items.find((p: { id: number }) => p.id === id).stock).toBe(3);
  });

  it('when 20 reads miss the same key at once, then Postgres is read once (single-flight)', async () => {
    const id = await createProduct('CACHE-FLIGHT', 900);
    const { products, catalog } = gatedCatalog();
    const flights = shop.server.services.cache.flights;
    const reads = Array.from({ length: 20 }, () => catalog.get(id));
    await products.loaded;
    await vi.waitFor(() => expect(flights.totalCallers()).toBe(20));
    products.release();
    const results = await Promise.all(reads);
    expect(new Set(results.map((p) => p?.priceCents))).toEqual(new Set([900]));
    expect(products.loads).toBe(1);
  });

  it('when an order commits, then the product page shows the decremented stock', async () => {
    const id = await createProduct('CACHE-ORDER', 1000, 5);
    expect((await shop.api(`/api/products/${id}`)).body.stock).toBe(5);
    const res = await shop.api('/api/orders', {
      method: 'POST',
      body: { items: [{ productId: id, quantity: 2 }], email: 'a@example.com' },
      headers: { 'idempotency-key': 'cache-order-1' },
    });
    expect(res.status).toBe(201);
    expect((await shop.api(`/api/products/${id}`)).body.stock).toBe(3);
  });

  it('when an invalidation cannot reach Redis and Redis comes back with its old entries, then they are not served', async () => {
    const id = await createProduct('CACHE-LOST-INVALIDATION', 1000);
    const { pool, assets, logger } = shop.server.services;
    // This replica's own connection to Redis, which we can cut while Redis keeps its data.
    const redis = createRedis({ url: shop.redis!.url }, logger);
    await vi.waitFor(() => expect(redis.status).toBe('ready'));
    const products = new ProductRepository(pool);
    const cache = new CatalogCache({ redis, ttlSeconds: 300, logger });
    const catalog = new Catalog({ products, cache, assets });
    try {
      expect((await catalog.get(id))?.priceCents).toBe(1000);
      expect((await catalog.get(id))?.priceCents).toBe(1000); // cached under the current generation

      redis.disconnect(); // unreachable from here; the cached 1000 is still in Redis
      await vi.waitFor(() => expect(redis.status).toBe('end'));
      expect((await catalog.update(id, { priceCents: 1300 })).priceCents).toBe(1300); // invalidation fails
      expect((await catalog.get(id))?.priceCents).toBe(1300); // bypasses the cache meanwhile

      await redis.connect();
      await vi.waitFor(() => expect(redis.status).toBe('ready'));
      for (let i = 0; i < 3; i++) expect((await catalog.get(id))?.priceCents).toBe(1300);
      expect((await shop.api(`/api/products/${id}`)).body.priceCents).toBe(1300);
    } finally {
      redis.disconnect();
    }
  });
});
