// Starts, inspects and stops the local kubelet-less control plane: etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok (fake nodes) and a fake PV provisioner, all on
// loopback ports, detached, with PID files and logs in a state directory.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildHash, ensureBinaries, goCommand, versions } from './build.ts';
import {
  adminUser,
  auditLogPath,
  type Component,
  type ComponentName,
  controlPlane,
  fakeNodeAnnotation,
  provisionerName,
  type Setup,
  writeIdentities,
} from './components.ts';
import { type Credentials, httpCall, pollUntil } from './http.ts';
import { withLock } from './lock.ts';
import { nodeName } from './node/configs.ts';
import { controlPlaneOf, nodeRunning, readNode, startNode, stopNode } from './node/node.ts';
import { cacheDir, defaultStateDir } from './paths.ts';
import { issueCert, kubeconfigYaml } from './pki.ts';
import { freePorts, livePid, startComponent, stopComponent, tailLog } from './processes.ts';

export const storageClassName = 'standard';
export { adminUser, fakeNodeAnnotation, provisionerName };

export type ClusterOptions = {
  /** Where the cluster lives; default `${STOREFRONT_CLUSTER_STATE_DIR:-<cache>/state/default}`. */
  stateDir?: string;
  /** Fake nodes (default 3). Raising it on a running cluster adds nodes. */
  nodes?: number;
  /** Pods each fake node accepts (default 110, like a kubelet). Applied to running clusters too. */
  podsPerNode?: number;
  /** CPU and memory each fake node reports (default 16 cores, 64Gi). */
  cpuPerNode?: string;
  memoryPerNode?: string;
  /** How long to wait for the cluster to become ready (default 5 minutes). */
  readyTimeoutMs?: number;
  /**
   * A real node (kubelet, containerd, kube-proxy, kube-router, CoreDNS) in a contained network
   * namespace; fake nodes then default to 0, so every pod runs in a real container.
   */
  realNode?: boolean;
  /**
   * Start the controllers with scale-benchmark flags (components.ts scaleFlags). A running cluster
   * started the other way is replaced.
   */
  scale?: boolean;
  log?: (line: string) => void;
};

export type ClusterInfo = {
  stateDir: string;
  /** Admin kubeconfig (CN=storefront-admin, O=system:masters), certificates embedded. */
  kubeconfig: string;
  apiServerUrl: string;
  binDir: string;
  kubectl: string;
  helm: string;
  /** JSON lines, one audit event per write request (create/update/patch/delete/deletecollection). */
  auditLogPath: string;
  logDir: string;
  caCert: string;
  adminCert: string;
  adminKey: string;
  ports: Record<string, number>;
  storageClass: string;
  provisioner: string;
  versions: typeof versions;
  startedAt: string;
  /** Started with the scale-benchmark flags (components.ts scaleFlags). */
  scale?: boolean;
  /** The real node, when the cluster has one. */
  node?: { name: string; netns: string; nodeIp: string; dir: string; images: Record<string, string> };
};

export type EnsureResult = ClusterInfo & { started: boolean };

type StateFile = ClusterInfo & { components: Component[] };

const startOrder: ComponentName[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
  'storefront-provisioner',
  'storefront-reference-checker',
];

const stderrLog = (line: string) => process.stderr.write(`[cluster] ${line}\n`);

function resolveStateDir(stateDir?: string): string {
  return stateDir ?? defaultStateDir();
}

const stateFile = (stateDir: string) => join(stateDir, 'cluster.json');

function readState(stateDir: string): StateFile | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(stateDir), 'utf8')) as StateFile;
  } catch {
    return undefined;
  }
}

function publicInfo(state: StateFile): ClusterInfo {
  const { components: _components, ...info } = state;
  const node = readNode(state.stateDir);
  if (!node) return info;
  return {
    ...info,
    node: { name: nodeName, netns: node.netns, nodeIp: node.nodeIp, dir: node.dir, images: node.images },
  };
}

function adminCreds(info: ClusterInfo): Credentials {
  return { ca: info.caCert, cert: info.adminCert, key: info.adminKey };
}

async function stopAll(stateDir: string, log: (line: string) => void = stderrLog): Promise<void> {
  await stopNode(stateDir, log);
  const controllers = startOrder.slice(2);
  await Promise.all(controllers.map((name) => stopComponent(stateDir, name, 10_000)));
  await stopComponent(stateDir, 'kube-apiserver', 30_000);
  await stopComponent(stateDir, 'etcd', 10_000);
}

// ---------------------------------------------------------------- configuration

/** Certificates, kubeconfigs and every component's command line, written into `stateDir`. */
function prepare(
  stateDir: string,
  binDir: string,
  clusterDir: string,
  ports: Record<string, number>,
  scale: boolean,
): StateFile {
  const apiServerUrl = `https://127.0.0.1:${ports['apiserver']}`;
  const { ca, kubeconfigs, admin } = writeIdentities(stateDir, apiServerUrl);
  const setup: Setup = { stateDir, binDir, clusterDir, ports, apiServerUrl, ca, kubeconfigs, scale };
  return {
    stateDir,
    kubeconfig: kubeconfigs['admin']!,
    apiServerUrl,
    binDir,
    kubectl: join(binDir, 'kubectl'),
    helm: join(binDir, 'helm'),
    auditLogPath: auditLogPath(stateDir),
    logDir: join(stateDir, 'logs'),
    caCert: ca.cert,
    adminCert: admin.cert,
    adminKey: admin.key,
    ports,
    storageClass: storageClassName,
    provisioner: provisionerName,
    versions,
    startedAt: new Date().toISOString(),
    ...(scale ? { scale } : {}),
    components: controlPlane.map((component) => component(setup)),
  };
}

// ---------------------------------------------------------------- cluster objects

export type KubectlTarget = Pick<ClusterInfo, 'kubectl' | 'kubeconfig'>;
export type KubectlResult = { status: number; stdout: string; stderr: string };

/** Runs the cluster's kubectl (as admin unless `kubeconfig` says otherwise); never throws on exit codes. */
export function runKubectl(
  target: KubectlTarget,
  args: string[],
  opts: { input?: string; kubeconfig?: string } = {},
): KubectlResult {
  const res = spawnSync(target.kubectl, [`--kubeconfig=${opts.kubeconfig ?? target.kubeconfig}`, ...args], {
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  if (res.error) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Runs kubectl and returns stdout; throws with kubectl's stderr when it fails. */
export function kubectl(
  target: KubectlTarget,
  args: string[],
  opts: { input?: string; kubeconfig?: string } = {},
): string {
  const res = runKubectl(target, args, opts);
  if (res.status !== 0)
    throw new Error(`kubectl ${args.join(' ')} failed (exit ${res.status}): ${res.stderr.trim()}`);
  return res.stdout;
}

/**
 * Waits until CustomResourceDefinitions (`crd/NAME` or `customresourcedefinition.…/NAME`) are
 * Established. Right after a create, `kubectl wait` fails on a CRD whose status has no conditions
 * yet (".status.conditions accessor error"), so that answer is retried.
 */
export function waitForCrds(target: KubectlTarget, crds: string[], timeout = '120s'): void {
  for (let attempt = 1; ; attempt++) {
    const res = runKubectl(target, ['wait', '--for=condition=Established', `--timeout=${timeout}`, ...crds]);
    if (res.status === 0) return;
    if (attempt >= 40 || !res.stderr.includes('accessor error'))
      throw new Error(`kubectl wait for ${crds.join(' ')} to be Established failed: ${res.stderr.trim()}`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
}

/**
 * kubectl without blocking the event loop: for callers that share their process with something
 * that must keep running meanwhile (the operator benchmark polls while the operator reconciles).
 */
export function kubectlAsync(target: KubectlTarget, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      target.kubectl,
      [`--kubeconfig=${target.kubeconfig}`, ...args],
      { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`kubectl ${args.join(' ')} failed: ${stderr.trim() || error.message}`));
        else resolve(stdout);
      },
    );
  });
}

function nodeManifest(
  index: number,
  opts: Required<Pick<ClusterOptions, 'podsPerNode' | 'cpuPerNode' | 'memoryPerNode'>>,
) {
  const name = `kwok-node-${index}`;
  const zone = `zone-${String.fromCharCode(97 + (index % 3))}`;
  const resources = {
    cpu: opts.cpuPerNode,
    memory: opts.memoryPerNode,
    pods: String(opts.podsPerNode),
    'ephemeral-storage': '500Gi',
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [fakeNodeAnnotation]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'node-role.kubernetes.io/agent': '',
        'topology.kubernetes.io/region': 'local',
        'topology.kubernetes.io/zone': zone,
        type: 'kwok',
      },
    },
    spec: {},
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: `${versions.kubernetes}-kwok`,
        kubeProxyVersion: '',
        containerRuntimeVersion: 'kwok',
        kernelVersion: '',
        osImage: 'kwok',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
      addresses: [
        { type: 'InternalIP', address: `10.254.${Math.floor(index / 250)}.${(index % 250) + 1}` },
        { type: 'Hostname', address: name },
      ],
      phase: 'Running',
    },
  };
}

const storageClassManifest = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: {
    name: storageClassName,
    annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
  },
  provisioner: provisionerName,
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
  allowVolumeExpansion: true,
};

function fakeNodeCount(opts: ClusterOptions): number {
  return opts.nodes ?? (opts.realNode ? 0 : 3);
}

async function startRealNode(state: StateFile, log: (line: string) => void): Promise<void> {
  const [kubeletPort] = await freePorts(1);
  await startNode(controlPlaneOf(state.stateDir), { log, kubeletPort: kubeletPort! });
}

/** Creates missing fake nodes and (re)applies their capacity, then the default StorageClass. */
async function applyClusterObjects(info: ClusterInfo, opts: ClusterOptions): Promise<void> {
  const sizing = {
    podsPerNode: opts.podsPerNode ?? 110,
    cpuPerNode: opts.cpuPerNode ?? '16',
    memoryPerNode: opts.memoryPerNode ?? '64Gi',
  };
  const nodes = Array.from({ length: fakeNodeCount(opts) }, (_, i) => nodeManifest(i, sizing));
  // Reads go over HTTPS directly: a reused cluster then costs no kubectl start-up at all.
  const { json } = await getJson(info, '/api/v1/nodes');
  const existing = new Map(
    ((json as NodeList | undefined)?.items ?? []).map((n) => [n.metadata.name, n.status?.capacity ?? {}]),
  );
  const missing = nodes.filter((n) => !existing.has(n.metadata.name));
  if (missing.length > 0) {
    kubectl(info, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: missing }),
    });
  }
  for (const node of nodes) {
    const capacity = existing.get(node.metadata.name);
    if (!capacity || Object.entries(node.status.capacity).every(([k, v]) => capacity[k] === v)) continue;
    const status = { status: { allocatable: node.status.allocatable, capacity: node.status.capacity } };
    kubectl(info, [
      'patch',
      'node',
      node.metadata.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
  }
  const sc = await getJson(info, `/apis/storage.k8s.io/v1/storageclasses/${storageClassName}`);
  if (sc.status !== 200) {
    kubectl(info, ['apply', '--server-side', '--field-manager=storefront-cluster', '-f', '-'], {
      input: JSON.stringify(storageClassManifest),
    });
  }
}

// ---------------------------------------------------------------- readiness

async function apiReady(info: ClusterInfo): Promise<boolean> {
  try {
    const res = await httpCall(`${info.apiServerUrl}/readyz`, { creds: adminCreds(info), timeoutMs: 5_000 });
    return res.status === 200;
  } catch {
    return false;
  }
}

async function getJson(info: ClusterInfo, path: string): Promise<{ status: number; json: unknown }> {
  const res = await httpCall(`${info.apiServerUrl}${path}`, { creds: adminCreds(info) });
  return { status: res.status, json: res.status === 200 ? JSON.parse(res.body) : undefined };
}

type NodeList = {
  items: {
    metadata: { name: string };
    status?: { conditions?: { type: string; status: string }[]; capacity?: Record<string, string> };
  }[];
};

async function readyNodes(info: ClusterInfo): Promise<string[]> {
  const { json } = await getJson(info, '/api/v1/nodes');
  return ((json as NodeList | undefined)?.items ?? [])
    .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata.name);
}

function ensureAlive(stateDir: string, names: ComponentName[]): void {
  for (const name of names) {
    if (livePid(stateDir, name) === undefined) {
      throw new Error(`${name} exited during start-up\n${tailLog(stateDir, name)}`);
    }
  }
}

async function waitReady(state: StateFile, opts: ClusterOptions, log: (l: string) => void): Promise<void> {
  const timeoutMs = opts.readyTimeoutMs ?? 300_000;
  const stateDir = state.stateDir;
  const all = state.components.map((c) => c.name);
  const expectedNodes = fakeNodeCount(opts);
  await pollUntil(
    `${expectedNodes} Ready nodes`,
    async () => {
      ensureAlive(stateDir, all);
      return (await readyNodes(state)).length >= expectedNodes ? true : undefined;
    },
    { timeoutMs, describe: () => tailLog(stateDir, 'kwok') },
  );
  log('nodes Ready');
  await pollUntil(
    'the default ServiceAccount (controller-manager running)',
    async () => {
      ensureAlive(stateDir, all);
      const { status } = await getJson(state, '/api/v1/namespaces/default/serviceaccounts/default');
      return status === 200 ? true : undefined;
    },
    { timeoutMs, describe: () => tailLog(stateDir, 'kube-controller-manager') },
  );
  for (const [name, port] of [
    ['kube-controller-manager', state.ports['controllerManager']],
    ['kube-scheduler', state.ports['scheduler']],
  ] as const) {
    await pollUntil(
      `${name} /healthz`,
      async () => {
        ensureAlive(stateDir, all);
        const res = await httpCall(`https://127.0.0.1:${port}/healthz`, { timeoutMs: 5_000 });
        return res.status === 200 ? true : undefined;
      },
      { timeoutMs, describe: () => tailLog(stateDir, name) },
    );
  }
  log('controller-manager and scheduler healthy');
}

async function waitApiServer(state: StateFile, timeoutMs: number): Promise<void> {
  await pollUntil(
    'kube-apiserver /readyz',
    async () => {
      ensureAlive(state.stateDir, ['etcd', 'kube-apiserver']);
      return (await apiReady(state)) ? true : undefined;
    },
    { timeoutMs, describe: () => tailLog(state.stateDir, 'kube-apiserver') },
  );
}

// ---------------------------------------------------------------- public API

/** Where `ensureCluster` would find its binaries, without building. */
function expectedBinDir(): string {
  return join(cacheDir(), `cluster-${buildHash(goVersionCached())}`, 'bin');
}

let goVersionMemo: string | undefined;
function goVersionCached(): string {
  if (goVersionMemo === undefined) {
    const res = spawnSync(goCommand(), ['env', 'GOVERSION'], { encoding: 'utf8' });
    goVersionMemo = res.stdout.trim();
  }
  return goVersionMemo;
}

export type ClusterStatus = {
  stateDir: string;
  running: boolean;
  healthy: boolean;
  components: Record<string, { pid?: number; running: boolean }>;
  info?: ClusterInfo;
};

/** What runs in `stateDir` and whether the API server answers /readyz. */
export async function clusterStatus(opts: { stateDir?: string } = {}): Promise<ClusterStatus> {
  const stateDir = resolveStateDir(opts.stateDir);
  const state = readState(stateDir);
  const components: ClusterStatus['components'] = {};
  for (const name of startOrder) {
    const pid = livePid(stateDir, name);
    components[name] = pid === undefined ? { running: false } : { pid, running: true };
  }
  const values = Object.values(components);
  const allRunning = values.every((c) => c.running);
  const healthy = state !== undefined && allRunning && (await apiReady(state));
  return {
    stateDir,
    running: values.some((c) => c.running),
    healthy,
    components,
    ...(state ? { info: publicInfo(state) } : {}),
  };
}

/**
 * Returns a healthy cluster in `stateDir`: the running one when every component is up and the
 * API server is ready (idempotent), otherwise a fresh one (leftovers are stopped and the state
 * directory is wiped). Builds the binaries first if needed.
 */
export async function ensureCluster(opts: ClusterOptions = {}): Promise<EnsureResult> {
  const stateDir = resolveStateDir(opts.stateDir);
  const log = opts.log ?? stderrLog;
  return withLock(
    `${stateDir}.lock`,
    async () => {
      let status = await clusterStatus({ stateDir });
      const state0 = readState(stateDir);
      const dead = startOrder.filter((name) => !status.components[name]?.running);
      const storeUp = status.components['etcd']?.running && status.components['kube-apiserver']?.running;
      const restartable = (name: ComponentName) => state0?.components.some((c) => c.name === name);
      if (
        !status.healthy &&
        state0 &&
        storeUp &&
        dead.length > 0 &&
        dead.every(restartable) &&
        state0.binDir === expectedBinDir()
      ) {
        // Only controllers died (crash, OOM, a test killed one): restart them, keep the data.
        log(`restarting ${dead.join(', ')} in ${stateDir}`);
        for (const name of dead) startComponent(stateDir, state0.components.find((c) => c.name === name)!);
        try {
          await waitApiServer(state0, 60_000);
          status = await clusterStatus({ stateDir });
        } catch {
          // fall through: replaced below
        }
      }
      const flagsDiffer = opts.scale !== undefined && (state0?.scale ?? false) !== opts.scale;
      if (flagsDiffer && status.healthy)
        log(`the running cluster's controller flags differ (scale); replacing it`);
      if (status.healthy && status.info && !flagsDiffer) {
        if (status.info.binDir === expectedBinDir()) {
          await applyClusterObjects(status.info, opts);
          const state = readState(stateDir)!;
          await waitReady(state, opts, () => {});
          if (opts.realNode && !nodeRunning(stateDir)) {
            await stopNode(stateDir, log);
            await startRealNode(state, log);
          }
          return { ...publicInfo(state), started: false };
        }
        log(`the running cluster uses ${status.info.binDir}; the sources changed, so it is replaced`);
      }
      if (status.running) log(`stopping the unhealthy leftovers in ${stateDir}`);
      await stopAll(stateDir);
      const { binDir, clusterDir } = await ensureBinaries({ log: (l) => log(`build: ${l}`) });

      const t0 = Date.now();
      rmSync(stateDir, { recursive: true, force: true });
      mkdirSync(stateDir, { recursive: true });
      const [etcd, etcdPeer, apiserver, controllerManager, scheduler] = await freePorts(5);
      const state = prepare(
        stateDir,
        binDir,
        clusterDir,
        {
          etcd: etcd!,
          etcdPeer: etcdPeer!,
          apiserver: apiserver!,
          controllerManager: controllerManager!,
          scheduler: scheduler!,
        },
        opts.scale ?? false,
      );
      writeFileSync(stateFile(stateDir), `${JSON.stringify(state, null, 2)}\n`);
      const byName = (name: ComponentName) => state.components.find((c) => c.name === name)!;
      try {
        log(`starting etcd and kube-apiserver in ${stateDir}`);
        startComponent(stateDir, byName('etcd'));
        await pollUntil(
          'etcd /health',
          async () => {
            ensureAlive(stateDir, ['etcd']);
            const res = await httpCall(`http://127.0.0.1:${state.ports['etcd']}/health`);
            return res.status === 200 ? true : undefined;
          },
          { timeoutMs: 60_000, describe: () => tailLog(stateDir, 'etcd') },
        );
        startComponent(stateDir, byName('kube-apiserver'));
        await waitApiServer(state, opts.readyTimeoutMs ?? 300_000);
        log(`kube-apiserver ready at ${state.apiServerUrl}`);
        for (const name of startOrder.slice(2)) startComponent(stateDir, byName(name));
        await applyClusterObjects(state, opts);
        await waitReady(state, opts, log);
        if (opts.realNode) await startRealNode(state, log);
      } catch (err) {
        log(`start-up failed; logs are in ${join(stateDir, 'logs')}`);
        await stopAll(stateDir);
        throw err;
      }
      log(`cluster ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return { ...publicInfo(state), started: true };
    },
    (pid) => log(`another process (pid ${pid}) is bringing up ${stateDir}; waiting for it`),
  );
}

/**
 * Stops every component (SIGTERM, then SIGKILL after a grace period); data stays on disk unless
 * `wipe`. With `onlyIf`, stops only when it returns true. Returns whether it stopped.
 */
export async function stopCluster(
  opts: { stateDir?: string; wipe?: boolean; onlyIf?: () => boolean } = {},
): Promise<boolean> {
  const stateDir = resolveStateDir(opts.stateDir);
  return withLock(`${stateDir}.lock`, async () => {
    // Decided under the lock, so a concurrent ensureCluster() cannot slip in between.
    if (opts.onlyIf && !opts.onlyIf()) return false;
    await stopAll(stateDir);
    if (opts.wipe) rmSync(stateDir, { recursive: true, force: true });
    return true;
  });
}

/**
 * Stops kube-apiserver and starts it again with the same flags and port, then waits for
 * /readyz. Clients see connection errors in between, as in a real control-plane restart.
 */
export async function restartApiServer(opts: { stateDir?: string; downMs?: number } = {}): Promise<void> {
  const stateDir = resolveStateDir(opts.stateDir);
  const state = readState(stateDir);
  if (!state) throw new Error(`no cluster in ${stateDir}; call ensureCluster() first`);
  await withLock(`${stateDir}.lock`, async () => {
    // After SIGTERM the API server stops listening, drains in-flight requests and flushes the
    // audit log within a second or two, then waits up to --request-timeout (60s) for clients'
    // idle connections (controllers, watches) to go away; those are not worth waiting for.
    await stopComponent(stateDir, 'kube-apiserver', 10_000);
    if (opts.downMs) await sleep(opts.downMs);
    startComponent(stateDir, state.components.find((c) => c.name === 'kube-apiserver')!);
    await waitApiServer(state, 300_000);
  });
}

/**
 * Writes a kubeconfig for `user` (client certificate signed by the cluster CA, groups as O=)
 * and returns its path. The identity has no permissions until RBAC grants some.
 */
export function writeUserKubeconfig(
  user: string,
  groups: string[] = [],
  opts: { stateDir?: string } = {},
): string {
  const stateDir = resolveStateDir(opts.stateDir);
  const state = readState(stateDir);
  if (!state) throw new Error(`no cluster in ${stateDir}; call ensureCluster() first`);
  const safe = `${user}${groups.length ? `-${groups.join('-')}` : ''}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const usersDir = join(stateDir, 'users');
  const cert = issueCert(join(stateDir, 'pki'), `user-${safe}`, { cn: user, orgs: groups });
  mkdirSync(usersDir, { recursive: true });
  const path = join(usersDir, `${safe}.kubeconfig`);
  writeFileSync(
    path,
    kubeconfigYaml({
      server: state.apiServerUrl,
      caCert: state.caCert,
      clientCert: cert.cert,
      clientKey: cert.key,
      user,
    }),
    { mode: 0o600 },
  );
  return path;
}
