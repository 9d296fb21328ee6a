import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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

/**
 * Where the server comes from: Debian's own packages, or — with STOREFRONT_TEST_POSTGRES=<major>
 * — a root file system built by scripts/ensure-postgres-rootfs.sh (bookworm has only 15; the
 * Storefront deploys 17), run with chroot. Paths the server sees are inside that root.
 */
interface Install {
  major: string;
  bin: string;
  root?: string;
}

export function postgresInstall(): Install {
  const major = process.env.STOREFRONT_TEST_POSTGRES;
  if (!major) {
    const bin = binDir();
    return { major: basename(dirname(bin)), bin };
  }
  const cache = process.env.STOREFRONT_CACHE_DIR ?? join(homedir(), '.cache', 'storefront');
  const root = join(cache, `postgres-${major}`, 'rootfs');
  const bin = `/usr/lib/postgresql/${major}/bin`;
  if (!existsSync(join(root, bin, 'postgres')))
    throw new Error(
      `Postgres ${major} not found in ${root}: run \`bash scripts/ensure-postgres-rootfs.sh ${major}\``,
    );
  return { major, bin, root };
}

/** The postgres account's ids, from the root the server runs in. */
function postgresIds(root = '/'): { uid: number; gid: number } {
  const line = readFileSync(join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error(`no postgres user in ${join(root, 'etc/passwd')}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function runAs(root?: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return postgresIds(root);
}

/** A Postgres program as [file, args, options]: directly, or through chroot into the install's root. */
function command(install: Install, program: string, args: string[]) {
  const user = runAs(install.root);
  if (!install.root) return { file: join(install.bin, program), args, options: user ?? {} };
  if (!user) throw new Error('STOREFRONT_TEST_POSTGRES needs root (chroot)');
  return {
    file: 'chroot',
    args: [`--userspec=${user.uid}:${user.gid}`, install.root, join(install.bin, program), ...args],
    options: {},
  };
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
  const install = postgresInstall();
  const user = runAs(install.root);
  // Inside the root when chrooted: `inner` is the same path as the server sees it.
  const dir = mkdtempSync(join(install.root ? join(install.root, 'tmp') : tmpdir(), 'storefront-pg-'));
  const inner = (path: string) => (install.root ? path.slice(install.root.length) : path);
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const auth =
    password === undefined
      ? ['--auth=trust']
      : ['--auth=scram-sha-256', `--pwfile=${inner(join(dir, 'pw'))}`];
  if (password !== undefined) {
    writeFileSync(join(dir, 'pw'), `${password}\n`, { mode: 0o600 });
    if (user) chownSync(join(dir, 'pw'), user.uid, user.gid);
  }
  const initdb = command(install, 'initdb', [
    '-D',
    inner(data),
    '-U',
    superuser,
    ...auth,
    '-E',
    'UTF8',
    '--no-sync',
    '-N',
  ]);
  execFileSync(initdb.file, initdb.args, { ...initdb.options, stdio: 'pipe' });
  if (password !== undefined) rmSync(join(dir, 'pw'));
  const login = { host: '127.0.0.1', user: superuser, ...(password === undefined ? {} : { password }) };
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    log = '';
    const server = command(install, 'postgres', [
      '-D',
      inner(data),
      '-p',
      String(port),
      '-k',
      inner(dir),
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
    ]);
    child = spawn(server.file, server.args, { ...server.options, stdio: ['ignore', 'pipe', 'pipe'] });
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
