import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { DatabaseConfig } from '../config/config.ts';
import type { Logger } from '../server/logger.ts';
import { createPool, type Pool, type PoolClient } from './db.ts';

/** Work that must run once across replicas, right after the migrations, still under their lock. */
export type UnderLock = (client: PoolClient) => Promise<void>;

export const MIGRATIONS_DIR = new URL('../../migrations/', import.meta.url);

/** Any constant works as long as every replica uses the same one: it names "the shop's schema". */
const MIGRATION_LOCK_KEY = 0x5_70_4e_f0;

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE_PATTERN = /^(\d{3,})_([a-z0-9_]+)\.sql$/;

export async function readMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = FILE_PATTERN.exec(file);
    if (!match) throw new Error(`migration file ${file} must be named NNN_name.sql (lowercase, underscores)`);
    const sql = await readFile(new URL(file, dir), 'utf8');
    const version = Number(match[1]);
    if (migrations.some((m) => m.version === version))
      throw new Error(`duplicate migration version ${version}`);
    migrations.push({
      version,
      name: match[2]!,
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
    });
  }
  return migrations;
}

/**
 * Applies pending migrations, each in its own transaction, while holding a session-level advisory
 * lock: when many replicas (or a migration Job and replicas) start at once, one applies and the
 * others wait, then find nothing left to do. An applied migration whose file changed is an error.
 */
export async function migrate(
  pool: Pool,
  logger: Logger,
  dir: URL = MIGRATIONS_DIR,
  underLock?: UnderLock,
): Promise<number[]> {
  const migrations = await readMigrations(dir);
  const client = await pool.connect();
  let broken: Error | undefined;
  // See withTransaction: a connection lost between queries must not become an uncaught exception.
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
        'SELECT version, name, checksum FROM schema_migrations',
      );
      const applied = new Map(rows.map((r) => [r.version, r]));
      const done: number[] = [];
      for (const m of migrations) {
        const previous = applied.get(m.version);
        if (previous) {
          if (previous.checksum !== m.checksum) {
            throw new Error(
              `migration ${m.version}_${m.name} was changed after it was applied; add a new migration instead`,
            );
          }
          continue;
        }
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
            m.version,
            m.name,
            m.checksum,
          ]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {});
          throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, {
            cause: err,
          });
        }
        logger.info({ version: m.version, name: m.name }, 'migration applied');
        done.push(m.version);
      }
      if (underLock) await underLock(client);
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((err: Error) => {
        broken = err;
      });
    }
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/**
 * Migrates through a dedicated one-connection pool without statement timeouts: waiting for the
 * advisory lock while another replica runs a long migration must not time out.
 */
export async function migrateDatabase(
  database: DatabaseConfig,
  logger: Logger,
  dir?: URL,
  underLock?: UnderLock,
): Promise<number[]> {
  const pool = createPool(database, logger, { max: 1, timeouts: false });
  try {
    return await migrate(pool, logger, dir, underLock);
  } finally {
    await pool.end();
  }
}
