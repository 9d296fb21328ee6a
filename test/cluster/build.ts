// Builds the local control plane's binaries from the pinned Go modules under test/cluster/ into
// `${STOREFRONT_CACHE_DIR:-~/.cache/storefront}/cluster-<hash>/bin`, once per content hash.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
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

/** The control plane: what every cluster runs (kwok nodes, no containers). */
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

/** The real node's daemons, built only when a cluster asks for a real node. */
export const nodeBinaries = ['kubelet', 'kube-proxy', 'coredns', 'kube-router', 'crictl'] as const;
export type NodeBinaryName = (typeof nodeBinaries)[number];

/** Bump when the build recipe below changes in a way the hashed files do not show. */
const recipeVersion = '2';

type Group = { name: string; module: string; packages: string[]; ldflags: string[] };

/**
 * kwok v0.8 has no built-in stages; these are its own stage files, read at build time from the
 * kwok module the build downloads (its version is the one in k8s/go.mod).
 */
const kwokStageFiles = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/fast/pod-ready.yaml',
  'pod/fast/pod-complete.yaml',
  'pod/fast/pod-delete.yaml',
];

function k8sVersionFlags(): string[] {
  const [major, minor] = versions.kubernetes.slice(1).split('.');
  const cb = 'k8s.io/component-base/version';
  return [
    `-X ${cb}.gitVersion=${versions.kubernetes}`,
    `-X ${cb}.gitMajor=${major}`,
    `-X ${cb}.gitMinor=${minor}`,
    `-X ${cb}.gitTreeState=clean`,
  ];
}

/** A set of binaries cached together under `<cache>/<name>-<hash>/bin`. */
type Bundle = {
  name: 'cluster' | 'node';
  binaries: readonly string[];
  /** Module directories under test/cluster/ whose files decide the binaries. */
  modules: string[];
  groups: Group[];
  /** Writes anything besides binaries into the bundle's temporary directory. */
  extras?: (go: string, tmp: string) => void;
};

const k8s = (name: string) => `k8s.io/kubernetes/cmd/${name}`;

function clusterBundle(): Bundle {
  return {
    name: 'cluster',
    binaries,
    modules: ['etcd', 'k8s'],
    groups: [
      { name: 'etcd', module: 'etcd', packages: ['./cmd/etcd'], ldflags: [] },
      // One invocation for every Kubernetes main, so shared packages compile once. The upstream
      // command packages are built straight from the k8s.io/kubernetes module (see k8s/go.mod).
      {
        name: 'kubernetes',
        module: 'k8s',
        packages: [
          k8s('kube-apiserver'),
          k8s('kube-controller-manager'),
          k8s('kube-scheduler'),
          k8s('kubectl'),
          './cmd/storefront-provisioner',
        ],
        ldflags: k8sVersionFlags(),
      },
      {
        name: 'kwok+helm',
        module: 'k8s',
        packages: ['sigs.k8s.io/kwok/cmd/kwok', 'helm.sh/helm/v4/cmd/helm'],
        ldflags: [...k8sVersionFlags(), `-X helm.sh/helm/v4/internal/version.version=${versions.helm}`],
      },
    ],
    extras: writeKwokStages,
  };
}

function nodeBundle(): Bundle {
  return {
    name: 'node',
    binaries: nodeBinaries,
    modules: ['k8s', 'node-go/coredns', 'node-go/kube-router', 'node-go/crictl'],
    groups: [
      { name: 'coredns', module: 'node-go/coredns', packages: ['github.com/coredns/coredns'], ldflags: [] },
      {
        name: 'kube-router',
        module: 'node-go/kube-router',
        packages: ['github.com/cloudnativelabs/kube-router/v2/cmd/kube-router'],
        ldflags: [],
      },
      {
        name: 'crictl',
        module: 'node-go/crictl',
        packages: ['sigs.k8s.io/cri-tools/cmd/crictl'],
        ldflags: [],
      },
      {
        name: 'kubelet+kube-proxy',
        module: 'k8s',
        packages: [k8s('kubelet'), k8s('kube-proxy')],
        ldflags: k8sVersionFlags(),
      },
    ],
  };
}

/** Concatenates kwok's own stage files from the module cache into `stages/kwok-stages.yaml`. */
function writeKwokStages(go: string, tmp: string): void {
  const res = spawnSync(go, ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'], {
    cwd: join(clusterSourceDir, 'k8s'),
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=readonly' },
  });
  if (res.status !== 0 || !res.stdout.trim()) {
    throw new Error(
      `cluster build: cannot locate the kwok module (go list -m sigs.k8s.io/kwok): ${res.stderr}`,
    );
  }
  const stageDir = join(res.stdout.trim(), 'kustomize', 'stage');
  const parts = kwokStageFiles.map(
    (file) =>
      `# sigs.k8s.io/kwok@${versions.kwok}/kustomize/stage/${file}\n${readFileSync(join(stageDir, file), 'utf8')}`,
  );
  mkdirSync(join(tmp, 'stages'));
  writeFileSync(join(tmp, 'stages', 'kwok-stages.yaml'), parts.join('\n---\n'));
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

/** The files whose content decides a bundle's binaries. */
function hashedFiles(bundle: Bundle): string[] {
  const goFiles = (path: string) => /(go\.mod|go\.sum|\.go)$/.test(path);
  return bundle.modules.flatMap((dir) => listFiles(join(clusterSourceDir, dir), goFiles));
}

function bundleHash(bundle: Bundle, goVersion: string): string {
  const hash = createHash('sha256');
  const recipe = { groups: bundle.groups, stages: bundle.extras ? kwokStageFiles : [] };
  hash.update(`recipe ${recipeVersion}\n${goVersion}\n${JSON.stringify(recipe)}\n`);
  for (const file of hashedFiles(bundle)) {
    hash.update(`${relative(clusterSourceDir, file)}\n`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

/** The control plane's content hash (names its cache directory). */
export function buildHash(goVersion: string): string {
  return bundleHash(clusterBundle(), goVersion);
}

function goVersion(go: string): string {
  const res = spawnSync(go, ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cluster build: \`${go} env GOVERSION\` failed: ${res.stderr}`);
  return res.stdout.trim();
}

function complete(bundle: Bundle, binDir: string): boolean {
  return bundle.binaries.every((name) => existsSync(join(binDir, name)));
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
 * Returns the directory holding every binary of `bundle`, building it first when this content
 * hash has not been built on this machine. Concurrent callers wait on a lock file; the result
 * appears atomically (built in a temporary directory, then renamed).
 */
async function ensureBundle(bundle: Bundle, opts: { log?: Log; force?: boolean }): Promise<BuildResult> {
  const log = opts.log ?? stderrLog;
  const go = goCommand();
  const goVer = goVersion(go);
  const hash = bundleHash(bundle, goVer);
  const clusterDir = join(cacheDir(), `${bundle.name}-${hash}`);
  const binDir = join(clusterDir, 'bin');
  if (!opts.force && complete(bundle, binDir)) return { binDir, clusterDir, hash, built: false };

  return withLock(
    `${clusterDir}.lock`,
    async () => {
      if (!opts.force && complete(bundle, binDir)) return { binDir, clusterDir, hash, built: false };
      // Leftovers of interrupted builds (we hold the lock, so none of them is still running).
      for (const entry of readdirSync(cacheDir())) {
        if (entry.startsWith(`${bundle.name}-${hash}.tmp-`))
          rmSync(join(cacheDir(), entry), { recursive: true, force: true });
      }
      const tmp = `${clusterDir}.tmp-${process.pid}`;
      mkdirSync(join(tmp, 'bin'), { recursive: true });
      log(
        `building the ${bundle.name === 'cluster' ? 'control plane' : 'real node'} with ${goVer} into ${clusterDir}`,
      );
      log('a cold build downloads ~1 GB of modules and compiles for 15-40 minutes on 2 cores');
      const started = Date.now();
      const timings: Record<string, string> = {};
      try {
        for (const group of bundle.groups) {
          const t0 = Date.now();
          await runGoBuild(go, group, join(tmp, 'bin'), log);
          timings[group.name] = formatSeconds(Date.now() - t0);
        }
        bundle.extras?.(go, tmp);
        const sizes = Object.fromEntries(
          bundle.binaries.map((name) => [
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

/** The control plane's binaries (and kwok's stages), built once per content hash. */
export function ensureBinaries(opts: { log?: Log; force?: boolean } = {}): Promise<BuildResult> {
  return ensureBundle(clusterBundle(), opts);
}

/**
 * The real node's binaries: kubelet and kube-proxy (same module as the control plane), CoreDNS,
 * kube-router (NetworkPolicy firewall) and crictl (tears pods down through the CRI on stop).
 */
export function ensureNodeBinaries(opts: { log?: Log; force?: boolean } = {}): Promise<BuildResult> {
  return ensureBundle(nodeBundle(), opts);
}
