import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, killOnExit, waitFor } from './ports.ts';

/**
 * A private Postgres (Debian's binaries) on a free loopback port in a temp dir: never the machine's
 * own service. As root it runs as the `postgres` user (initdb refuses root). stop()/start() let
 * tests take it down and bring the same cluster back.
 */
export interface TestPostgres {
  url: string;
  port: number;
  env: Record<string, string>;
  stop: () => Promise<void>;
  start: () => Promise<void>;
  destroy: () => Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  throw new Error(
    'Postgres binaries not found under /usr/lib/postgresql: run `bash scripts/ensure-system-deps.sh app`',
  );
}

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  return { uid, gid };
}

export interface PostgresOptions {
  /** The bootstrap superuser (as the official image's POSTGRES_USER). @default 'shop' */
  superuser?: string;
  /** Password of the superuser; with one, every login needs its password (scram-sha-256), as in a pod. */
  password?: string;
  /** The database created for the tests. @default 'shop' */
  database?: string;
}

export async function startPostgres(options: PostgresOptions = {}): Promise<TestPostgres> {
  const superuser = options.superuser ?? 'shop';
  const database = options.database ?? 'shop';
  const password = options.password;
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'storefront-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const auth =
    password === undefined ? ['--auth=trust'] : ['--auth=scram-sha-256', `--pwfile=${join(dir, 'pw')}`];
  if (password !== undefined) {
    writeFileSync(join(dir, 'pw'), `${password}\n`, { mode: 0o600 });
    if (user) chownSync(join(dir, 'pw'), user.uid, user.gid);
  }
  execFileSync(join(bin, 'initdb'), ['-D', data, '-U', superuser, ...auth, '-E', 'UTF8', '--no-sync', '-N'], {
    ...(user ?? {}),
    stdio: 'pipe',
  });
  if (password !== undefined) rmSync(join(dir, 'pw'));
  const login = { host: '127.0.0.1', user: superuser, ...(password === undefined ? {} : { password }) };
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    log = '';
    child = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=64MB',
      ],
      { ...(user ?? {}), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    killOnExit(child);
    child.stdout?.on('data', (d) => {
      log += d;
    });
    child.stderr?.on('data', (d) => {
      log += d;
    });
    const exited = once(child, 'exit').then(([code]) => {
      throw new Error(`postgres exited with ${code} while starting:\n${log}`);
    });
    await Promise.race([
      exited,
      waitFor('postgres to accept connections', async () => {
        const client = new pg.Client({ ...login, port, database: 'postgres' });
        await client.connect();
        await client.end();
        return true;
      }),
    ]);
    exited.catch(() => undefined);
  };

  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const gone = once(c, 'exit');
    c.kill('SIGINT'); // fast shutdown: aborts open transactions, like a crash from the client's view
    await gone;
  };

  await start();
  const admin = new pg.Client({ ...login, port, database: 'postgres' });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  await admin.end();

  const secret = password === undefined ? '' : `:${encodeURIComponent(password)}`;
  const url = `postgres://${encodeURIComponent(superuser)}${secret}@127.0.0.1:${port}/${database}`;
  return {
    url,
    port,
    env: { DATABASE_URL: url },
    start,
    stop,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
