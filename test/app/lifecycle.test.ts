import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from './support/ports.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';
import { startRedis, type TestRedis } from './support/redis.ts';

const MAIN = fileURLToPath(new URL('../../app/src/main.ts', import.meta.url));

let db: TestPostgres;
let redis: TestRedis;

beforeAll(async () => {
  db = await startPostgres();
  redis = await startRedis({ password: 'redis-secret' });
});
afterAll(async () => {
  await redis?.destroy();
  await db?.destroy();
});

function run(args: string[], env: Record<string, string>): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  return Object.assign(child, { output: () => output });
}

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = await once(child, 'exit');
  return code as number | null;
}

describe('entry point', () => {
  it('when an environment variable is invalid, then start-up fails with a message naming it', async () => {
    const bad = run([], { DATABASE_URL: db.url, PORT: 'eighty' });
    expect(await exitOf(bad)).toBe(78);
    expect(bad.output()).toMatch(/Invalid configuration:\n {2}- PORT: must be an integer/);

    const none = run(['migrate'], {});
    expect(await exitOf(none)).toBe(78);
    expect(none.output()).toMatch(/DATABASE_URL: set DATABASE_URL, or PGHOST/);

    const secret = run([], { DATABASE_URL: db.url, ADMIN_TOKEN: 'short-secret' });
    expect(await exitOf(secret)).toBe(78);
    expect(secret.output()).toMatch(/ADMIN_TOKEN: must be at least 16 characters/);
    expect(secret.output()).not.toContain('short-secret');

    const unknown = run(['frobnicate'], { DATABASE_URL: db.url });
    expect(await exitOf(unknown)).toBe(64);
    expect(unknown.output()).toMatch(/usage: node src\/main.ts \[serve\|migrate\]/);
  });

  it('when five migration Jobs start at once, then each exits 0 and every migration is applied exactly once', async () => {
    // PG* variables instead of DATABASE_URL: the other half of the env contract.
    const env = {
      PGHOST: '127.0.0.1',
      PGPORT: String(db.port),
      PGUSER: 'shop',
      PGDATABASE: 'shop',
      PGSSLMODE: 'disable',
    };
    const jobs = Array.from({ length: 5 }, () => run(['migrate'], env));
    const codes = await Promise.all(jobs.map(exitOf));
    expect(codes, jobs.map((j) => j.output()).join('\n')).toEqual([0, 0, 0, 0, 0]);
    expect(jobs.filter((j) => j.output().includes('"migration applied"'))).toHaveLength(1);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query('SELECT version, name FROM schema_migrations ORDER BY version');
    await client.end();
    // Every file in app/migrations, once each, in order.
    const files = readdirSync(fileURLToPath(new URL('../../app/migrations', import.meta.url)))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(rows).toEqual(
      files.map((f) => {
        const [, version, name] = /^(\d+)_(.+)\.sql$/.exec(f)!;
        return { version: Number(version), name };
      }),
    );
    const again = run(['migrate'], env);
    expect(await exitOf(again)).toBe(0);
    expect(again.output()).toContain('schema up to date');
  });

  it('when SIGTERM arrives during a request, then the server stops accepting, finishes that request and exits 0', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const server = run(['serve'], {
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: db.url,
      REDIS_URL: `redis://:wrong-password@127.0.0.1:${redis.port}`,
      REDIS_PASSWORD: 'redis-secret', // overrides the URL's password
    });
    try {
      // Ready, with Redis reached through REDIS_PASSWORD (the URL's own password is wrong).
      await waitFor('the shop to become ready with Redis up', async () => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
        const body = (await res.json()) as { redis: string };
        return res.status === 200 && body.redis === 'up' ? true : undefined;
      });

      // A request whose body is still arriving when SIGTERM lands.
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      let response = '';
      socket.on('data', (d) => {
        response += d;
      });
      socket.write(
        'POST /api/carts HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{',
      );
      await new Promise((r) => setTimeout(r, 200));
      server.kill('SIGTERM');
      await waitFor('the listener to close', async () => {
        try {
          await fetch(`http://127.0.0.1:${port}/healthz`);
          return undefined;
        } catch {
          return true;
        }
      });
      expect(server.exitCode).toBeNull(); // still draining the in-flight request
      socket.write('}');
      await once(socket, 'end');
      expect(response).toMatch(/^HTTP\/1\.1 201 Created/);
      expect(response).toMatch(/connection: close/i);
      expect(await exitOf(server)).toBe(0);
      expect(server.output()).toContain('"shutting down: draining in-flight requests"');
      expect(server.output()).toContain('"storefront stopped"');
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });
});
