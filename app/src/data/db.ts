import pg from 'pg';
import type { DatabaseConfig } from '../config/config.ts';
import { AppError } from '../domain/errors.ts';
import type { Logger } from '../server/logger.ts';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  max?: number;
  /** How long a request waits for a pooled connection before answering 503. */
  connectionTimeoutMillis?: number;
  /** Statement/query timeouts (default on). Off for migrations, which may wait on the lock. */
  timeouts?: boolean;
  /** Client-side bound on one query (default 20 s). */
  queryTimeoutMillis?: number;
}

/** libpq's sslmode mapped onto node-postgres (which cannot "try TLS then fall back"). */
function sslFor(mode: DatabaseConfig['sslMode']): pg.PoolConfig['ssl'] {
  switch (mode) {
    case 'require':
    case 'no-verify':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
    default:
      return false;
  }
}

export function createPool(config: DatabaseConfig, logger: Logger, options: PoolOptions = {}): Pool {
  const base: pg.PoolConfig = config.connectionString
    ? { connectionString: config.connectionString }
    : {
        host: config.host,
        port: config.port,
        user: config.user,
        password: config.password,
        database: config.database,
      };
  // A connection string's own sslmode wins unless PGSSLMODE is set explicitly.
  if (!config.connectionString || config.sslMode) base.ssl = sslFor(config.sslMode);
  const pool = new pg.Pool({
    ...base,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'storefront-app',
    // Bounds a statement stuck behind a lock or a dying server; far above any real query here.
    ...(options.timeouts === false
      ? {}
      : { statement_timeout: 15_000, query_timeout: options.queryTimeoutMillis ?? 20_000 }),
  });
  // An idle client whose server went away emits here; without a listener the process would crash.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'postgres idle client error (will reconnect)'));
  return pool;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** True when the error means "Postgres cannot be reached / is going away", not a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof AppError) return err.code === 'database_unavailable';
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_CODES.has(code)) return true;
    // 08xxx connection exceptions, 57P01-57P03 admin/crash shutdown and "cannot connect now".
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection timeout/i.test(
    err.message,
  );
}

export function databaseUnavailable(): AppError {
  return new AppError(503, 'database_unavailable', 'the database is unavailable; please retry shortly', {
    headers: { 'Retry-After': '5' },
  });
}

/**
 * Runs `work` in one transaction. A failure rolls back; a connection lost mid-way releases the
 * client as broken so the pool never reuses it.
 */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw isDatabaseUnavailable(err) ? databaseUnavailable() : err;
  }
  let broken: Error | undefined;
  // A checked-out client whose connection dies between queries emits 'error'; without a listener
  // that is an uncaught exception (the pool only listens on idle clients).
  const onError = (err: Error) => {
    broken = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    if (isDatabaseUnavailable(err)) {
      broken = err as Error;
    } else {
      await client.query('ROLLBACK').catch((rollbackErr: Error) => {
        broken = rollbackErr;
      });
    }
    throw isDatabaseUnavailable(err) && !(err instanceof AppError) ? databaseUnavailable() : err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** pool.query with connection failures turned into the shop's 503. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  pool: Pool | PoolClient,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>(text, values);
  } catch (err) {
    throw isDatabaseUnavailable(err) ? databaseUnavailable() : err;
  }
}
