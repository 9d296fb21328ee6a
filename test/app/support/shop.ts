import { afterAll, beforeAll } from 'vitest';
import { type Config, loadConfig } from '../../../app/src/config/config.ts';
import { migrate } from '../../../app/src/data/migrate.ts';
import { createLogger } from '../../../app/src/server/logger.ts';
import { type ServerOptions, startWebServer, type WebServer } from '../../../app/src/server/server.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';
import { startRedis, type TestRedis } from './redis.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestShop {
  pg: TestPostgres;
  redis: TestRedis | undefined;
  server: WebServer;
  config: Config;
  url: string;
  /** fetch against the shop, JSON in and out. */
  api: (
    path: string,
    init?: { method?: string; body?: unknown; headers?: Record<string, string> },
  ) => Promise<ApiResponse>;
  admin: (path: string, method: string, body: unknown) => Promise<ApiResponse>;
  /** Creates a product through the admin API (fails loudly unless 201); its id. */
  createProduct: (product: { sku: string; priceCents: number; stock: number }) => Promise<number>;
  /** POST /api/orders with an idempotency key. */
  order: (key: string, body: unknown) => Promise<ApiResponse>;
  /** GET on the management port (/readyz, /metrics, /healthz). */
  ops: (path: string) => Promise<ApiResponse>;
  close: () => Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export async function request(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; raw?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined = init.raw;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** Starts private Postgres (+ Redis unless disabled), migrates, and runs the real server in-process. */
export async function startShop(
  options: { redis?: boolean; env?: Record<string, string>; server?: ServerOptions } = {},
): Promise<TestShop> {
  const pg = await startPostgres();
  const redis = options.redis === false ? undefined : await startRedis();
  const config = loadConfig({
    PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: pg.url,
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ADMIN_TOKEN,
    LOG_LEVEL: process.env.SHOP_TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  let server: WebServer;
  try {
    server = await startWebServer(config, {
      migrate: true,
      logger: createLogger(config.logLevel),
      ...options.server,
    });
  } catch (err) {
    await redis?.destroy();
    await pg.destroy();
    throw err;
  }
  const api: TestShop['api'] = (path, init) => request(server.url, path, init);
  const admin: TestShop['admin'] = (path, method, body) =>
    api(path, { method, body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return {
    pg,
    redis,
    server,
    config,
    url: server.url,
    api,
    admin,
    createProduct: async ({ sku, priceCents, stock }) => {
      const res = await admin('/api/products', 'POST', { sku, name: `Product ${sku}`, priceCents, stock });
      if (res.status !== 201) throw new Error(`creating product ${sku}: HTTP ${res.status} ${res.text}`);
      return res.body.id;
    },
    order: (key, body) => api('/api/orders', { method: 'POST', body, headers: { 'idempotency-key': key } }),
    ops: (path) => request(server.opsUrl, path),
    close: async () => {
      await server.stop();
      await redis?.destroy();
      await pg.destroy();
    },
  };
}

/**
 * The file's shop: started before its tests, closed after them. Returns a stand-in that reaches
 * the running shop, so tests write `shop.api(...)` as with a variable.
 */
export function useShop(options: Parameters<typeof startShop>[0] = {}): TestShop {
  let shop: TestShop | undefined;
  beforeAll(async () => {
    shop = await startShop(options);
  });
  afterAll(async () => {
    await shop?.close();
  });
  return new Proxy({} as TestShop, {
    get: (_, field) => {
      if (!shop) throw new Error('the shop is not started yet: use it inside a test or a hook');
      return shop[field as keyof TestShop];
    },
  });
}

export { migrate };
