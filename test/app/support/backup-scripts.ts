// What the two backup-script test files (volume and s3 destination) share: the scripts written
// where sh runs them, the environment the CronJob and restore Job give them, a source database
// holding orders and stock, and the reads both make of a database.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { BACKUP_SCRIPT, LIST_SCRIPT, RESTORE_SCRIPT } from '../../../operator/render/backup-scripts.ts';
import { postgresInstall, startPostgres, type TestPostgres } from './postgres.ts';

export const PASSWORD = 'backup-test-password';
export const NAME = /^[0-9]{8}T[0-9]{6}Z$/;
export type Script = 'backup.sh' | 'restore.sh' | 'list.sh';

/** Writes backup.sh, restore.sh and list.sh into `<dir>/scripts` and returns that directory. */
export function writeScripts(dir: string): string {
  const scripts = join(dir, 'scripts');
  mkdirSync(scripts);
  writeFileSync(join(scripts, 'backup.sh'), BACKUP_SCRIPT);
  writeFileSync(join(scripts, 'restore.sh'), RESTORE_SCRIPT);
  writeFileSync(join(scripts, 'list.sh'), LIST_SCRIPT);
  return scripts;
}

/** The environment every script gets in its pod (render/backup.ts), pointed at `db`. */
export function scriptEnv(db: TestPostgres): Record<string, string> {
  return {
    PATH: `${postgresInstall().bin}:${process.env.PATH}`,
    PGHOST: '127.0.0.1',
    PGPORT: String(db.port),
    PGUSER: 'storefront',
    PGDATABASE: 'storefront',
    PGPASSWORD: PASSWORD,
    PGSSLMODE: 'disable',
    STOREFRONT: 'shop',
    APP_VERSION: '0.1.0',
    APP_IMAGE: 'ghcr.io/storefront-dev/storefront-shop:0.1.0',
    KEEP_COUNT: '7',
    MAX_AGE_SECONDS: '0',
  };
}

export async function query(db: TestPostgres, sql: string) {
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** An empty database as the managed Postgres starts one. */
export const freshPostgres = () =>
  startPostgres({ superuser: 'storefront', password: PASSWORD, database: 'storefront' });

/** A database holding 250 orders and the stock of two products: what a restore must bring back. */
export async function shopDatabase(): Promise<TestPostgres> {
  const db = await freshPostgres();
  await query(
    db,
    `CREATE TABLE orders (id serial PRIMARY KEY, total_cents int NOT NULL);
     CREATE TABLE stock (sku text PRIMARY KEY, units int NOT NULL);
     INSERT INTO orders (total_cents) SELECT g * 100 FROM generate_series(1, 250) g;
     INSERT INTO stock VALUES ('mug', 17), ('tee', 3);`,
  );
  return db;
}

/** Backup names carry whole seconds: the next run must start in a later second. */
export const nextSecond = () => new Promise((r) => setTimeout(r, 1100 - (Date.now() % 1000)));
