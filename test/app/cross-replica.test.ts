import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG_MAX_STALENESS_MS } from '../../app/src/server/server.ts';
import { freePort, waitFor } from './support/ports.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';
import { startRedis, type TestRedis } from './support/redis.ts';
import { ADMIN_TOKEN, type ApiResponse, request } from './support/shop.ts';

const MAIN = fileURLToPath(new URL('../../app/src/main.ts', import.meta.url));

let db: TestPostgres;
let redis: TestRedis;
const replicas: { url: string; ops: string; child: ChildProcess }[] = [];

/** One shop process, as a replica runs it (`serve`), on free ports, sharing Postgres and Redis. */
async function startReplica() {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [MAIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      ADMIN_TOKEN,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const replica = { url: `http://127.0.0.1:${port}`, ops: `http://127.0.0.1:${metricsPort}`, child };
  replicas.push(replica);
  await waitFor('a replica to be ready with Redis up', async () => {
    if (child.exitCode !== null) throw new Error(`replica exited with ${child.exitCode}`);
    const ready = await request(replica.ops, '/readyz').catch(() => undefined);
    return ready?.body?.redis === 'up' || undefined;
  });
  return replica;
}

async function localHits(ops: string): Promise<number> {
  const text = (await request(ops, '/metrics')).text;
  return Number(/storefront_catalog_local_cache_total\{result="hit"\} (\d+)/.exec(text)?.[1] ?? 0);
}

beforeAll(async () => {
  db = await startPostgres();
  redis = await startRedis();
});
afterAll(async () => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGTERM');
  await Promise.all(replicas.filter((r) => r.child.exitCode === null).map((r) => once(r.child, 'exit')));
  await redis?.destroy();
  await db?.destroy();
});

const admin = (base: string, path: string, method: string, body: unknown) =>
  request(base, path, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

describe(`cached catalog reads across replicas (bound: ${CATALOG_MAX_STALENESS_MS} ms)`, () => {
  it('when prices change in a loop on one replica, then the other serves each new price within the bound and never an older one after it', async () => {
    const [a, b] = [await startReplica(), await startReplica()];
    const created = await admin(a.url, '/api/products', 'POST', {
      sku: 'XR-1',
      name: 'Cross',
      priceCents: 1000,
      stock: 5,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as number;
    const hitsBefore = await localHits(b.ops);

    // B is read continuously, one request after another, while A changes the price 25 times.
    // `/api/products` is the first page, answered before the middleware stack (server/cached-list.ts).
    const reads: { start: number; price: number; list: number; firstPage: number }[] = [];
    let reading = true;
    const reader = (async () => {
      while (reading) {
        const start = performance.now();
        const [one, list, firstPage] = await Promise.all([
          request(b.url, `/api/products/${id}`),
          request(b.url, '/api/products?limit=100'),
          request(b.url, '/api/products'),
        ]);
        const priceIn = (page: ApiResponse) =>
          page.body.items.find((p: { id: number }) => p.id === id).priceCents;
        reads.push({ start, price: one.body.priceCents, list: priceIn(list), firstPage: priceIn(firstPage) });
      }
    })();
    const writes: { done: number; price: number }[] = [];
    for (let i = 1; i <= 25; i++) {
      const price = 1000 + i;
      const patched = await admin(a.url, `/api/products/${id}`, 'PATCH', { priceCents: price });
      expect(patched.status).toBe(200);
      writes.push({ done: performance.now(), price });
      await new Promise((r) => setTimeout(r, 40 + ((i * 37) % 120))); // writes faster and slower than the bound
    }
    await new Promise((r) => setTimeout(r, CATALOG_MAX_STALENESS_MS + 50));
    reading = false;
    await reader;

    // No read that began more than the bound after a write returned may show an older price.
    const stale = reads.filter((r) =>
      writes.some(
        (w) =>
          r.start > w.done + CATALOG_MAX_STALENESS_MS &&
          (r.price < w.price || r.list < w.price || r.firstPage < w.price),
      ),
    );
    expect(stale).toEqual([]);
    // The last price is what B serves now, and B did serve from its own memory in between.
    expect((await request(b.url, `/api/products/${id}`)).body.priceCents).toBe(1025);
    expect(reads.length).toBeGreaterThan(25);
    expect((await localHits(b.ops)) - hitsBefore).toBeGreaterThan(0);
  });

  it('when a client revalidates with the ETag, then it gets 304 until the catalog changes on another replica, then 200 with the new body', async () => {
    const [a, b] = replicas.length >= 2 ? replicas : [await startReplica(), await startReplica()];
    const created = await admin(a!.url, '/api/products', 'POST', {
      sku: 'XR-ETAG',
      name: 'Etag',
      priceCents: 500,
      stock: 5,
    });
    const id = created.body.id as number;
    // B may serve its copy from before the creation for up to the bound: start after it.
    await new Promise((r) => setTimeout(r, CATALOG_MAX_STALENESS_MS + 20));
    const first = await request(b!.url, '/api/products?limit=100');
    expect(first.body.items.some((p: { id: number }) => p.id === id)).toBe(true);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await request(b!.url, '/api/products?limit=100', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    expect(
      (await request(b!.url, '/api/products?limit=100', { headers: { 'if-none-match': `"x", W/${etag}` } }))
        .status,
    ).toBe(304);

    expect((await admin(a!.url, `/api/products/${id}`, 'PATCH', { priceCents: 600 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, CATALOG_MAX_STALENESS_MS + 20));
    const changed = await request(b!.url, '/api/products?limit=100', { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.body.items.find((p: { id: number }) => p.id === id).priceCents).toBe(600);
  });
});
