// Finding 2 of the hardening review: the shop must not log in to its managed Postgres as the
// image's bootstrap superuser. The migration Job's rendered `bootstrap-roles` init container runs
// here, exactly as rendered (its command, its environment resolved from the rendered Secrets),
// against a real Postgres initialised as the official image does it (POSTGRES_USER = superuser,
// password logins); then the rendered `migrate` container's environment migrates as the app role.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_APP_ROLE, POSTGRES_DB, POSTGRES_USER } from '../../operator/render/credentials.ts';
import { render } from '../../operator/render/render.ts';
import { resolvedEnv } from '../../operator/render/testdata/env-contract.ts';
import { fixedInputs, loadExample } from '../../operator/render/testdata/fixtures.ts';
import { startPostgres, type TestPostgres } from './support/postgres.ts';

const repoRoot = join(import.meta.dirname, '../..');
const sf = loadExample('minimal.yaml');
const inputs = fixedInputs(sf);
const objects = render(sf, inputs);
const pod = (objects.find((o) => o.kind === 'Job') as any).spec.template.spec;
const boot = pod.initContainers.find((c: { name: string }) => c.name === 'bootstrap-roles');
const migrateContainer = pod.containers.find((c: { name: string }) => c.name === 'migrate');
const SUPERUSER_PASSWORD = inputs.credentials.postgresPassword!;

/** The rendered environment, pointed at the test server instead of the in-cluster Service. */
const podEnv = (db: TestPostgres, env: any[]) => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  ...resolvedEnv(sf, objects, env),
  PGHOST: '127.0.0.1',
  PGPORT: String(db.port),
});

function bootstrap(db: TestPostgres) {
  const r = spawnSync(boot.command[0], boot.command.slice(1), {
    env: podEnv(db, boot.env),
    encoding: 'utf8',
  });
  expect(r.stderr, 'bootstrap stderr').toBe('');
  expect(r.status).toBe(0);
  return r;
}

async function migrate(env: Record<string, string>) {
  const child = spawn(process.execPath, [join(repoRoot, 'app/src/main.ts'), 'migrate'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const [code] = await once(child, 'exit');
  expect(code, out).toBe(0);
}

const connect = async (db: TestPostgres, user: string, password: string) => {
  const c = new pg.Client({ host: '127.0.0.1', port: db.port, user, password, database: POSTGRES_DB });
  await c.connect();
  return c;
};
const appPassword = () => resolvedEnv(sf, objects, boot.env)['APP_PASSWORD']!;

async function owners(c: pg.Client): Promise<Record<string, string>> {
  const r = await c.query(
    `SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') ORDER BY 1`,
  );
  return Object.fromEntries(r.rows.map((row) => [row.relname, row.owner]));
}

describe('the managed database roles', () => {
  let legacy: TestPostgres;
  let fresh: TestPostgres;
  beforeAll(async () => {
    const options = { superuser: POSTGRES_USER, password: SUPERUSER_PASSWORD, database: POSTGRES_DB };
    [legacy, fresh] = await Promise.all([startPostgres(options), startPostgres(options)]);
  });
  afterAll(async () => {
    await legacy?.destroy();
    await fresh?.destroy();
  });

  it('when the render is read, then the app and the migration log in as the app role and only the bootstrap as the superuser', () => {
    const app = (objects.find((o) => o.kind === 'Deployment' && o.metadata.name?.endsWith('-app')) as any)
      .spec.template.spec.containers[0];
    for (const env of [resolvedEnv(sf, objects, app.env), resolvedEnv(sf, objects, migrateContainer.env)]) {
      expect(env['PGUSER']).toBe(POSTGRES_APP_ROLE);
      expect(env['PGPASSWORD']).toBe(appPassword());
      expect(env['PGPASSWORD']).not.toBe(SUPERUSER_PASSWORD);
    }
    expect(resolvedEnv(sf, objects, boot.env)['PGUSER']).toBe(POSTGRES_USER);
  });

  it('when an install from before the app role (schema and data owned by the superuser) is bootstrapped, then its data stays and the app role owns it, migrates and writes as a non-superuser', async () => {
    // The old render: migrations and the shop ran as the superuser.
    await migrate({
      PATH: process.env['PATH'] ?? '',
      PGHOST: '127.0.0.1',
      PGPORT: String(legacy.port),
      PGUSER: POSTGRES_USER,
      PGPASSWORD: SUPERUSER_PASSWORD,
      PGDATABASE: POSTGRES_DB,
      PGSSLMODE: 'disable',
    });
    const su = await connect(legacy, POSTGRES_USER, SUPERUSER_PASSWORD);
    await su.query(
      "INSERT INTO products (sku, name, price_cents, stock) VALUES ('KEEP-1', 'A product from before', 1234, 7)",
    );
    expect(Object.values(await owners(su))).toContain(POSTGRES_USER);

    bootstrap(legacy);
    const after = await owners(su);
    expect(Object.keys(after)).toContain('products');
    expect(Object.keys(after)).toContain('products_id_seq');
    for (const [rel, owner] of Object.entries(after)) expect(owner, rel).toBe(POSTGRES_APP_ROLE);
    const dbOwner = await su.query(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()',
    );
    expect(dbOwner.rows[0].owner).toBe(POSTGRES_APP_ROLE);
    await su.end();

    await migrate(podEnv(legacy, migrateContainer.env));
    const app = await connect(legacy, POSTGRES_APP_ROLE, appPassword());
    try {
      const kept = await app.query("SELECT name, price_cents, stock FROM products WHERE sku = 'KEEP-1'");
      expect(kept.rows).toEqual([{ name: 'A product from before', price_cents: 1234, stock: 7 }]);
      await app.query(
        "INSERT INTO products (sku, name, price_cents, stock) VALUES ('NEW-1', 'Added by the app role', 100, 1)",
      );
      const me = await app.query(
        'SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user',
      );
      expect(me.rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false });
      // What a superuser could do and the app role cannot: run a program in the database container.
      await expect(app.query("COPY (SELECT 1) TO PROGRAM 'id'")).rejects.toThrow(
        /must be superuser or have privileges of the pg_execute_server_program role/,
      );
      await expect(app.query('CREATE ROLE intruder')).rejects.toThrow(/permission denied to create role/);
    } finally {
      await app.end();
    }
  });

  it('when the bootstrap runs again (every migration Job does), then it succeeds and changes nothing', async () => {
    const su = await connect(legacy, POSTGRES_USER, SUPERUSER_PASSWORD);
    try {
      const before = await owners(su);
      const rows = await su.query('SELECT count(*)::int AS n FROM products');
      bootstrap(legacy);
      expect(await owners(su)).toEqual(before);
      expect((await su.query('SELECT count(*)::int AS n FROM products')).rows).toEqual(rows.rows);
    } finally {
      await su.end();
    }
  });

  it('when a fresh data directory is bootstrapped, then the migration creates the schema owned by the app role', async () => {
    bootstrap(fresh);
    await migrate(podEnv(fresh, migrateContainer.env));
    const su = await connect(fresh, POSTGRES_USER, SUPERUSER_PASSWORD);
    try {
      const o = await owners(su);
      expect(Object.keys(o)).toEqual(expect.arrayContaining(['products', 'orders', 'schema_migrations']));
      for (const [rel, owner] of Object.entries(o)) expect(owner, rel).toBe(POSTGRES_APP_ROLE);
    } finally {
      await su.end();
    }
  });
});
