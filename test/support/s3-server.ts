// A real S3-compatible server for tests: gofakes3 behind a SigV4 check (test/s3-server/main.go),
// built with this machine's Go from the module proxy (go.sum, checked against the checksum
// database when it was written, pins every module; -mod=readonly refuses anything else) and
// cached outside the clone in <cache>/s3-server-<hash>/s3-server, once per source and Go version.
// Each test file starts its own on a free loopback port and stops it; a server that cannot be
// built or started fails the test loudly, never skips it. For the real node's pods it runs inside
// the node's network namespace (no uplink) on the node IP, and the test's own requests enter that
// namespace too (nsenter): nothing is sent anywhere else.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { goCommand } from '../cluster/build.ts';
import { withLock } from '../cluster/lock.ts';
import { cacheDir, repoRoot } from '../cluster/paths.ts';

const SOURCE = join(repoRoot, 'test', 's3-server');
const FILES = ['go.mod', 'go.sum', 'main.go'];

/** The built server binary (built on first use). */
export async function s3ServerBinary(): Promise<string> {
  const go = goCommand();
  const version = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (version.status !== 0) throw new Error(`s3-server: \`${go} env GOVERSION\` failed: ${version.stderr}`);
  const hash = createHash('sha256').update(version.stdout.trim());
  for (const f of FILES) hash.update(`${f}\n`).update(readFileSync(join(SOURCE, f)));
  const dir = join(cacheDir(), `s3-server-${hash.digest('hex').slice(0, 16)}`);
  const bin = join(dir, 's3-server');
  if (existsSync(bin)) return bin;
  return withLock(`${dir}.lock`, async () => {
    if (existsSync(bin)) return bin;
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const build = spawnSync(go, ['build', '-trimpath', '-o', join(tmp, 's3-server'), '.'], {
      cwd: SOURCE,
      encoding: 'utf8',
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' },
    });
    if (build.status !== 0)
      throw new Error(`s3-server: go build in ${SOURCE} failed (exit ${build.status}): ${build.stderr}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    return bin;
  });
}

export interface S3Server {
  /** http://<address>:<port> (127.0.0.1 unless started in a namespace on another address) */
  endpoint: string;
  address: string;
  port: number;
  /** The network namespace (/run/netns/<name>) it listens in, if not the host's. */
  netns?: string;
  accessKey: string;
  secretKey: string;
  stop: () => Promise<void>;
}

/**
 * Starts a server holding `buckets` (empty, in memory), signed for by the returned key pair: on a
 * free loopback port, or with `netns` (a path under /run/netns) inside that namespace on
 * `address` (the server itself refuses a non-loopback address in a namespace with a default route).
 */
export async function startS3Server(
  buckets: string[],
  opts: { netns?: string; address?: string } = {},
): Promise<S3Server> {
  const bin = await s3ServerBinary();
  const accessKey = 'STOREFRONTTESTKEY';
  // A secret with the characters a curl config needs escaped, and those S3 secrets have (/ +).
  const secretKey = `test/secret+${process.pid}"\\x`;
  const address = opts.address ?? '127.0.0.1';
  const args = ['-addr', `${address}:0`, '-buckets', buckets.join(','), '-access-key', accessKey];
  const child: ChildProcess = spawn(
    opts.netns ? 'nsenter' : bin,
    opts.netns ? [`--net=${opts.netns}`, bin, ...args] : args,
    { env: { ...process.env, S3_SERVER_SECRET_KEY: secretKey }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`s3-server did not start within 10 s: ${stderr}`)),
      10_000,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`s3-server exited (${code}) before listening: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^listening ([0-9.]+):([0-9]+)$/.exec(line);
      if (m && m[1] === address) {
        clearTimeout(timer);
        resolve(Number(m[2]));
      }
    });
  });
  process.once('exit', () => child.kill('SIGKILL'));
  return {
    endpoint: `http://${address}:${port}`,
    address,
    port,
    ...(opts.netns ? { netns: opts.netns } : {}),
    accessKey,
    secretKey,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * One signed request with curl (as the scripts make them), the key pair on stdin (-K -); from
 * inside the server's namespace when it has one.
 */
export function s3Request(
  s3: S3Server,
  method: 'GET' | 'PUT' | 'DELETE',
  path: string,
  body?: Buffer,
): { status: number; body: Buffer } {
  const sha = createHash('sha256')
    .update(body ?? Buffer.alloc(0))
    .digest('hex');
  const quote = (s: string) => s.replace(/[\\"]/g, '\\$&');
  const config = `user = "${quote(s3.accessKey)}:${quote(s3.secretKey)}"\n`;
  const marker = '\n--storefront-status:';
  // The body from a file: stdin carries the config.
  const tmp = body ? mkdtempSync(join(tmpdir(), 's3-body-')) : undefined;
  const bodyFile = tmp ? join(tmp, 'body') : undefined;
  if (bodyFile) writeFileSync(bodyFile, body!);
  const curl = [
    '-sS',
    '-K',
    '-',
    '--aws-sigv4',
    'aws:amz:us-east-1:s3',
    '-H',
    `x-amz-content-sha256: ${sha}`,
    '-X',
    method,
    ...(bodyFile ? ['-T', bodyFile] : []),
    '-w',
    `${marker}%{http_code}`,
    `${s3.endpoint}${path}`,
  ];
  const r = spawnSync(
    s3.netns ? 'nsenter' : 'curl',
    s3.netns ? [`--net=${s3.netns}`, 'curl', ...curl] : curl,
    {
      input: config,
      maxBuffer: 1 << 28,
    },
  );
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`curl ${method} ${path} failed: ${r.stderr}`);
  const at = r.stdout.lastIndexOf(marker);
  return { status: Number(r.stdout.subarray(at + marker.length).toString()), body: r.stdout.subarray(0, at) };
}

/** Every key in `bucket` under `prefix`, sorted (one ListObjectsV2 page: tests hold few). */
export function s3Keys(s3: S3Server, bucket: string, prefix = ''): string[] {
  const r = s3Request(s3, 'GET', `/${bucket}?list-type=2&prefix=${encodeURIComponent(prefix)}`);
  if (r.status !== 200) throw new Error(`listing ${bucket}/${prefix}: HTTP ${r.status} ${r.body}`);
  return [...r.body.toString().matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!).sort();
}
