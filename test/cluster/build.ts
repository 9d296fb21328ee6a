// Builds the local control plane's binaries from the pinned Go modules under test/cluster/ into
// `${STOREFRONT_CACHE_DIR:-~/.cache/storefront}/cluster-<hash>/bin`, once per content hash.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { withLock } from './lock.ts';
import { cacheDir, clusterSourceDir } from './paths.ts';

/** Versions baked into the binaries (keep in step with the go.mod files). */
export const versions = {
  kubernetes: 'v1.36.3',
  etcd: 'v3.6.16',
  kwok: 'v0.8.0',
  helm: 'v4.2.4',
} as const;

export const binaries = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kubectl',
  'storefront-provisioner',
  'kwok',
  'helm',
] as const;
export type BinaryName = (typeof binaries)[number];

/** Bump when the build recipe below changes in a way the hashed files do not show. */
const recipeVersion = '1';

type Group = { name: string; module: string; packages: string[]; ldflags: string[] };

function groups(): Group[] {
  const [major, minor] = versions.kubernetes.slice(1).split('.');
  const cb = 'k8s.io/component-base/version';
  const k8sVersion = [
    `-X ${cb}.gitVersion=${versions.kubernetes}`,
    `-X ${cb}.gitMajor=${major}`,
    `-X ${cb}.gitMinor=${minor}`,
    `-X ${cb}.gitTreeState=clean`,
  ];
  return [
    { name: 'etcd', module: 'etcd', packages: ['./cmd/etcd'], ldflags: [] },
    // One invocation for every Kubernetes main, so shared packages compile once.
    { name: 'kubernetes', module: 'k8s', packages: ['./cmd/...'], ldflags: k8sVersion },
    {
      name: 'kwok+helm',
      module: 'k8s',
      packages: ['sigs.k8s.io/kwok/cmd/kwok', 'helm.sh/helm/v4/cmd/helm'],
      ldflags: [...k8sVersion, `-X helm.sh/helm/v4/internal/version.version=${versions.helm}`],
    },
  ];
}

export type BuildResult = { binDir: string; clusterDir: string; hash: string; built: boolean };
type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`[cluster:build] ${line}\n`);

/** The `go` command: $GO, then PATH, then the usual install location. */
export function goCommand(): string {
  if (process.env['GO']) return process.env['GO'];
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) return 'go';
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error(
    'cluster build: Go is required to build the local control plane (install Go >= 1.26 or set $GO)',
  );
}

function listFiles(dir: string, accept: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(path, accept));
    else if (accept(path)) out.push(path);
  }
  return out.sort();
}

/** The files whose content decides the binaries. */
export function hashedFiles(): string[] {
  const goFiles = (path: string) => /(go\.mod|go\.sum|\.go)$/.test(path);
  return [
    ...listFiles(join(clusterSourceDir, 'etcd'), goFiles),
    ...listFiles(join(clusterSourceDir, 'k8s'), goFiles),
    ...listFiles(join(clusterSourceDir, 'stages'), (path) => path.endsWith('.yaml')),
  ];
}

export function buildHash(goVersion: string): string {
  const hash = createHash('sha256');
  hash.update(`recipe ${recipeVersion}\n${goVersion}\n${JSON.stringify(groups())}\n`);
  for (const file of hashedFiles()) {
    hash.update(`${relative(clusterSourceDir, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

function goVersion(go: string): string {
  const res = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cluster build: \`${go} env GOVERSION\` failed: ${res.stderr}`);
  return res.stdout.trim();
}

function complete(binDir: string): boolean {
  return binaries.every((name) => existsSync(join(binDir, name)));
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** Runs one `go build`, turning its `-v` package list into periodic progress lines. */
function runGoBuild(go: string, group: Group, outDir: string, log: Log): Promise<void> {
  const args = [
    'build',
    '-v',
    '-trimpath',
    '-ldflags',
    ['-s', '-w', ...group.ldflags].join(' '),
    '-o',
    `${outDir}/`,
    ...group.packages,
  ];
  const cwd = join(clusterSourceDir, group.module);
  log(`${group.name}: (cd ${relative(process.cwd(), cwd) || '.'} && go ${args.join(' ')})`);
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly -buildvcs=false' };
  return new Promise((resolve, reject) => {
    const child = spawn(go, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = Date.now();
    let packages = 0;
    let downloads = 0;
    let last = '';
    const tail: string[] = [];
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('go: downloading')) downloads++;
        else if (/^[\w.-]+(\/[\w.@~+-]+)*$/.test(line)) {
          packages++;
          last = line;
        } else if (line.trim()) {
          tail.push(line);
          if (tail.length > 40) tail.shift();
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setInterval(() => {
      const elapsed = formatSeconds(Date.now() - started);
      log(
        `${group.name}: ${elapsed} — ${packages} packages compiled, ${downloads} modules downloaded (${last})`,
      );
    }, 15_000);
    child.on('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (code === 0) {
        log(`${group.name}: done in ${formatSeconds(Date.now() - started)} (${packages} packages)`);
        resolve();
      } else {
        reject(
          new Error(`cluster build: go build for ${group.name} failed (exit ${code}):\n${tail.join('\n')}`),
        );
      }
    });
  });
}

/**
 * Returns the directory holding every binary, building it first when this content hash has not
 * been built on this machine. Concurrent callers wait on a lock file; the result appears
 * atomically (built in a temporary directory, then renamed).
 */
export async function ensureBinaries(opts: { log?: Log; force?: boolean } = {}): Promise<BuildResult> {
  const log = opts.log ?? stderrLog;
  const go = goCommand();
  const goVer = goVersion(go);
  const hash = buildHash(goVer);
  const clusterDir = join(cacheDir(), `cluster-${hash}`);
  const binDir = join(clusterDir, 'bin');
  if (!opts.force && complete(binDir)) return { binDir, clusterDir, hash, built: false };

  return withLock(
    `${clusterDir}.lock`,
    async () => {
      if (!opts.force && complete(binDir)) return { binDir, clusterDir, hash, built: false };
      // Leftovers of interrupted builds (we hold the lock, so none of them is still running).
      for (const entry of readdirSync(cacheDir())) {
        if (entry.startsWith(`cluster-${hash}.tmp-`))
          rmSync(join(cacheDir(), entry), { recursive: true, force: true });
      }
      const tmp = `${clusterDir}.tmp-${process.pid}`;
      mkdirSync(join(tmp, 'bin'), { recursive: true });
      log(`building the control plane with ${goVer} into ${clusterDir}`);
      log('a cold build downloads ~1 GB of modules and compiles for 15-40 minutes on 2 cores');
      const started = Date.now();
      const timings: Record<string, string> = {};
      try {
        for (const group of groups()) {
          const t0 = Date.now();
          await runGoBuild(go, group, join(tmp, 'bin'), log);
          timings[group.name] = formatSeconds(Date.now() - t0);
        }
        mkdirSync(join(tmp, 'stages'));
        for (const file of listFiles(join(clusterSourceDir, 'stages'), (p) => p.endsWith('.yaml'))) {
          copyFileSync(file, join(tmp, 'stages', relative(join(clusterSourceDir, 'stages'), file)));
        }
        const sizes = Object.fromEntries(
          binaries.map((name) => [
            name,
            `${(statSync(join(tmp, 'bin', name)).size / 2 ** 20).toFixed(1)} MiB`,
          ]),
        );
        const total = formatSeconds(Date.now() - started);
        writeFileSync(
          join(tmp, 'build-info.json'),
          `${JSON.stringify({ hash, go: goVer, versions, builtAt: new Date().toISOString(), total, timings, sizes }, null, 2)}\n`,
        );
        // Incomplete leftovers (or a forced rebuild) are replaced; we hold the lock.
        rmSync(clusterDir, { recursive: true, force: true });
        renameSync(tmp, clusterDir);
        log(
          `built in ${total} (${Object.entries(timings)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`,
        );
        log(
          `sizes: ${Object.entries(sizes)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        );
      } catch (err) {
        rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
      return { binDir, clusterDir, hash, built: true };
    },
    (pid) => log(`another build (pid ${pid}) holds ${clusterDir}.lock; waiting for it`),
  );
}
