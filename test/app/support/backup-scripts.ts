// What the two backup-script test files (volume and s3 destination) share: the scripts written
// where sh runs them, the environment the CronJob and restore Job give them, a source database
// holding orders and stock, and the reads both make of a database; and, for s3, a runner that runs
// a rendered pod's containers in turn as the kubelet does (init containers first, each with only
// the env names its container has, a PATH without what its image lacks, a shared scratch dir).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import {
  BACKUP_SCRIPT,
  LIST_SCRIPT,
  RESTORE_SCRIPT,
  TRANSFER_SCRIPT,
} from '../../../operator/render/backup-scripts.ts';
import type * as k8s from '../../../operator/render/k8s.ts';
import { postgresInstall, startPostgres, type TestPostgres } from './postgres.ts';

export const PASSWORD = 'backup-test-password';
export const NAME = /^[0-9]{8}T[0-9]{6}Z$/;
export type Script = 'backup.sh' | 'restore.sh' | 'transfer.sh' | 'list.sh';

/** Writes backup.sh, restore.sh, transfer.sh and list.sh into `<dir>/scripts` and returns that directory. */
export function writeScripts(dir: string): string {
  const scripts = join(dir, 'scripts');
  mkdirSync(scripts);
  writeFileSync(join(scripts, 'backup.sh'), BACKUP_SCRIPT);
  writeFileSync(join(scripts, 'restore.sh'), RESTORE_SCRIPT);
  writeFileSync(join(scripts, 'transfer.sh'), TRANSFER_SCRIPT);
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

/** Postgres' client programs (Debian puts wrappers of them in /usr/bin too). */
const POSTGRES_PROGRAMS =
  /^(pg_.*|psql|postgres|initdb|createdb|dropdb|createuser|dropuser|clusterdb|reindexdb|vacuumdb)$/;

/**
 * PATHs standing in for the two images the s3 pods run: `postgres`, Postgres' binaries and every
 * program of /usr/bin but curl (the official postgres image has none); `shop`, every program of
 * /usr/bin but Postgres' (the shop image has curl, sh and coreutils, no Postgres client). Made of
 * symlinks under `dir`.
 */
export function imagePaths(dir: string): { postgres: string; shop: string } {
  const make = (name: string, leaveOut: (program: string) => boolean) => {
    const bin = join(dir, name);
    mkdirSync(bin);
    for (const program of readdirSync('/usr/bin'))
      if (!leaveOut(program)) symlinkSync(join('/usr/bin', program), join(bin, program));
    return bin;
  };
  return {
    postgres: `${postgresInstall().bin}:${make('postgres-image-bin', (p) => p === 'curl')}`,
    shop: make('shop-image-bin', (p) => POSTGRES_PROGRAMS.test(p)),
  };
}

export type PodRun = {
  /** The exit status of the last container that ran (the first that failed, or the last one). */
  status: number | null;
  /** Every container's stdout and stderr, in the order they ran. */
  out: string;
  /** The names of the containers that ran, in order. */
  ran: string[];
};

/**
 * Runs a rendered pod's containers as the kubelet does with restartPolicy Never: init containers
 * in order, each to completion, the first failure ending the pod; then the (single) container.
 * Each gets exactly the env names its container spec has, with the value `values` gives for that
 * name (a name without one throws: the test must say what the pod would get), plus `knobs` (test
 * settings the scripts read, e.g. S3_PAGE_KEYS), and the PATH of its image: the shop image's for
 * containers running `shopImage`, Postgres' otherwise. `/scripts/` in commands is `scripts`.
 */
export function runPod(
  template: k8s.PodTemplateSpec,
  o: {
    scripts: string;
    shopImage: string;
    paths: { postgres: string; shop: string };
    values: Record<string, string>;
    knobs?: Record<string, string>;
  },
): PodRun {
  const spec = template.spec!;
  let out = '';
  const ran: string[] = [];
  let status: number | null = 0;
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    const env: Record<string, string> = {
      PATH: c.image === o.shopImage ? o.paths.shop : o.paths.postgres,
      ...o.knobs,
    };
    for (const e of c.env ?? []) {
      const value = o.values[e.name];
      if (value === undefined) throw new Error(`the test gives no value for ${c.name}'s env ${e.name}`);
      env[e.name] = value;
    }
    const [program, ...args] = (c.command ?? []).map((a) => a.replace(/^\/scripts\//, `${o.scripts}/`));
    const r = spawnSync(program!, args, { encoding: 'utf8', env });
    ran.push(c.name);
    out += `${r.stdout}${r.stderr}`;
    status = r.status;
    if (status !== 0) break;
  }
  return { status, out, ran };
}
