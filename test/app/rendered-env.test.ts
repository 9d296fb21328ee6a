// The shop started with exactly the environment the renderer gives it: the migration Job's
// environment runs `main.ts migrate` as a child process with nothing else in its environment, and
// the app container's environment configures a server that reaches Postgres and Redis and accepts
// the admin token from the rendered Secret. The user-owned Secrets (external database and cache)
// hold the URLs of private servers started here.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/src/config/config.ts';
import { createLogger } from '../../app/src/server/logger.ts';
import { startWebServer, type WebServer } from '../../app/src/server/server.ts';
import { names } from '../../operator/render/names.ts';
import { render } from '../../operator/render/render.ts';
import { container, resolvedEnv } from '../../operator/render/testdata/env-contract.ts';
import { fixedInputs, loadExample } from '../../operator/render/testdata/fixtures.ts';
import { waitFor } from './support/ports.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';
import { startRedis, type TestRedis } from './support/redis.ts';
import { request } from './support/shop.ts';

const repoRoot = join(import.meta.dirname, '../..');

describe('the shop on the rendered environment', () => {
  const sf = loadExample('external-services.yaml');
  const objects = render(sf, fixedInputs(sf));
  let db: TestPostgres;
  let cache: TestRedis;
  let server: WebServer | undefined;
  const userSecrets = () => ({
    [`${sf.spec.database.external!.name}/${sf.spec.database.external!.key}`]: db.url,
    [`${sf.spec.cache.external!.name}/${sf.spec.cache.external!.key}`]: cache.url,
  });

  beforeAll(async () => {
    db = await startPostgres();
    cache = await startRedis();
  });
  afterAll(async () => {
    await server?.stop();
    await cache?.destroy();
    await db?.destroy();
  });

  it('when the migration container environment is all a `migrate` process has, then it migrates and exits 0', async () => {
    const migrate = container(objects, 'Job', `${sf.metadata.name}-migrate-`, 'migrate');
    expect(migrate.args).toEqual(['migrate']);
    const env = resolvedEnv(sf, objects, migrate.env, userSecrets());
    const child = spawn(process.execPath, [join(repoRoot, 'app/src/main.ts'), ...migrate.args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const [code] = await once(child, 'exit');
    expect(code, output).toBe(0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query("select to_regclass('public.products') as t");
      expect(rows[0].t).toBe('products');
    } finally {
      await client.end();
    }
  });

  it('when the app container environment configures the shop, then it is ready on Postgres and Redis and takes the rendered admin token', async () => {
    const app = container(objects, 'Deployment', names(sf).app, 'app');
    const env = resolvedEnv(sf, objects, app.env, userSecrets());
    const config = loadConfig(env);
    const containerPort = app.ports.find((p: { name: string }) => p.name === 'http').containerPort;
    expect(config.port).toBe(containerPort);
    const metricsPort = app.ports.find((p: { name: string }) => p.name === 'metrics').containerPort;
    expect(config.metricsPort).toBe(metricsPort);
    // Only the listening ports differ from the pod: tests share the machine, so never a fixed port.
    server = await startWebServer({ ...config, port: 0, metricsPort: 0 }, { logger: createLogger('silent') });
    // The Redis client connects in the background; wait for that event rather than sleeping.
    const opsUrl = server.opsUrl;
    const ready = await waitFor('the shop to report Redis up', async () => {
      const r = await request(opsUrl, '/readyz');
      return r.body?.redis === 'up' ? r : undefined;
    });
    expect(ready.body).toEqual({ status: 'ready', postgres: 'up', redis: 'up' });
    const adminToken = env.ADMIN_TOKEN!;
    const secret = objects.find(
      (o) => o.kind === 'Secret' && o.metadata.name === names(sf).appSecrets,
    ) as any;
    expect(adminToken).toBe(Buffer.from(secret.data['admin-token'], 'base64').toString());
    const product = { sku: 'ENV-1', name: 'Env mug', description: 'd', priceCents: 1200, stock: 3 };
    const denied = await request(server.url, '/api/products', { method: 'POST', body: product });
    expect(denied.status).toBe(401);
    const created = await request(server.url, '/api/products', {
      method: 'POST',
      body: product,
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(created.status, created.text).toBe(201);
  });
});
