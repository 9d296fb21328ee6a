// The real node: containerd, kubelet, kube-proxy (nftables) and kube-router's NetworkPolicy
// firewall, all inside one network namespace with no uplink, joined to the local control plane,
// plus CoreDNS as a pod. Order matters: containment first (namespace, host routes), checked
// before any daemon or rule; any failure stops everything that was started.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureNodeBinaries } from '../build.ts';
import { type Credentials, httpCall, pollUntil } from '../http.ts';
import { issueCert, kubeconfigYaml } from '../pki.ts';
import { type Daemon, freePorts, livePid, startComponent, stopComponent, tailLog } from '../processes.ts';
import { addonManifests, kubeRouterUser } from './addons.ts';
import { nginxImage } from './base-images.ts';
import {
  apiServerNodePort,
  cniConfig,
  containerdConfig,
  kubeletConfig,
  kubeProxyConfig,
  type NodeLayout,
  nodeName,
  nodePodCidr,
} from './configs.ts';
import {
  acquireHost,
  assertContained,
  createNetns,
  deleteNetns,
  hostIpv4,
  netnsName,
  netnsPath,
  releaseHost,
  run,
} from './containment.ts';
import { frontDoorManifests, frontDoorName, frontDoorRelays, syncFrontDoor } from './front-door.ts';
import { coreDnsImage, type Image, pauseImage } from './images.ts';

/** What the node needs from the control plane it joins. */
export type ControlPlane = {
  stateDir: string;
  apiServerUrl: string;
  caCert: string;
  caKey: string;
  adminCert: string;
  adminKey: string;
  kubectl: string;
  kubeconfig: string;
  apiServerPort: number;
};

export type RealNode = NodeLayout & {
  binDir: string;
  images: Record<string, string>;
  daemons: Daemon[];
  /** Set once the front-door stand-in runs: its namespace and host port (127.0.0.1). */
  frontDoor?: { namespace: string; port: number };
};

type Log = (line: string) => void;

/** Start order; stopped in reverse. Relays first, so the kubelet finds the API server. */
export const nodeDaemons = [
  'relay-apiserver-host',
  'relay-apiserver-ns',
  'containerd',
  'kubelet',
  'relay-kubelet-ns',
  'relay-kubelet-host',
  'kube-proxy',
  'kube-router',
] as const;

const nodeStateFile = (stateDir: string) => join(stateDir, 'node', 'node.json');

export function readNode(stateDir: string): RealNode | undefined {
  try {
    return JSON.parse(readFileSync(nodeStateFile(stateDir), 'utf8')) as RealNode;
  } catch {
    return undefined;
  }
}

/** The node's names and paths: derived from the state directory, so two clusters never collide. */
export function nodeLayout(stateDir: string, kubeletPort: number, pauseRef: string): NodeLayout {
  const id = createHash('sha256').update(stateDir).digest('hex').slice(0, 8);
  const dir = join(stateDir, 'node');
  return {
    id,
    dir,
    netns: netnsName(id),
    cgroupRoot: `/sf-${id}`,
    nodeIp: hostIpv4(),
    kubeletPort,
    containerdSocket: join(dir, 'containerd.sock'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    podLogsDir: join(dir, 'pod-logs'),
    pauseImage: pauseRef,
  };
}

// ---------------------------------------------------------------- cgroups

/** Every cgroup v1 hierarchy plus the unified one, as mounted here. */
function cgroupMounts(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((f) => f.includes('cgroup') || f.includes('cgroup2'))
    .map((f) => f[4]!)
    .filter((p) => p?.startsWith('/sys/fs/cgroup/'));
}

function createCgroups(root: string): void {
  for (const mount of cgroupMounts()) {
    const dir = join(mount, root);
    mkdirSync(dir, { recursive: true });
    if (existsSync(join(mount, 'cpuset.cpus'))) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        const cur = readFileSync(join(dir, file), 'utf8').trim();
        if (!cur) writeFileSync(join(dir, file), readFileSync(join(mount, file), 'utf8'));
      }
    }
  }
}

/** PIDs still in the node's cgroups (containers' processes, shims). */
function cgroupPids(root: string): number[] {
  const pids = new Set<number>();
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n'))
        if (line.trim()) pids.add(Number(line));
    } catch {}
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) walk(join(dir, entry.name));
  };
  for (const mount of cgroupMounts()) walk(join(mount, root));
  return [...pids];
}

function removeCgroups(root: string): void {
  const rmTree = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) rmTree(join(dir, entry.name));
    rmdirSync(dir);
  };
  for (const mount of cgroupMounts()) rmTree(join(mount, root));
}

// ---------------------------------------------------------------- mounts

/** Mount points under `dir` (kubelet volumes, container root filesystems, pod netns files), deepest first. */
export function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

// ---------------------------------------------------------------- daemons

function writeNodeFiles(cp: ControlPlane, l: NodeLayout, binDir: string): Daemon[] {
  const pki = join(cp.stateDir, 'pki');
  const sock = (name: string) => join(l.dir, 'sock', `${name}.sock`);
  mkdirSync(join(l.dir, 'sock'), { recursive: true });
  for (const d of [
    l.cniConfDir,
    l.cniDataDir,
    l.kubeletRoot,
    l.podLogsDir,
    l.containerdRoot,
    l.containerdState,
  ])
    mkdirSync(d, { recursive: true });
  const inNode = `https://127.0.0.1:${apiServerNodePort}`;
  const kubeconfig = (name: string, cn: string, orgs: string[] = []) => {
    const cert = issueCert(pki, name, { cn, orgs });
    const path = join(l.dir, `${name}.kubeconfig`);
    writeFileSync(
      path,
      kubeconfigYaml({
        server: inNode,
        caCert: cp.caCert,
        clientCert: cert.cert,
        clientKey: cert.key,
        user: cn,
      }),
      { mode: 0o600 },
    );
    return path;
  };
  const kubeletKubeconfig = kubeconfig('kubelet', `system:node:${nodeName}`, ['system:nodes']);
  const proxyKubeconfig = kubeconfig('kube-proxy', 'system:kube-proxy');
  const routerKubeconfig = kubeconfig('kube-router', kubeRouterUser);
  const serving = issueCert(pki, 'kubelet-serving', {
    cn: `system:node:${nodeName}`,
    sans: ['DNS:localhost', 'IP:127.0.0.1', `IP:${l.nodeIp}`],
  });
  const resolvConf = join(l.dir, 'resolv.conf');
  writeFileSync(resolvConf, '# no nameserver: the real node resolves nothing outside the cluster\n');
  writeFileSync(join(l.dir, 'containerd.toml'), containerdConfig(l));
  writeFileSync(join(l.cniConfDir, '10-storefront.conflist'), cniConfig(l));
  writeFileSync(
    join(l.dir, 'kubelet.json'),
    kubeletConfig(l, { ca: cp.caCert, cert: serving.cert, key: serving.key, resolvConf }),
  );
  writeFileSync(join(l.dir, 'kube-proxy.json'), kubeProxyConfig(l, proxyKubeconfig));
  const ns = netnsPath(l.netns);
  const socat = '/usr/bin/socat';
  return [
    {
      name: 'relay-apiserver-host',
      bin: socat,
      args: [`UNIX-LISTEN:${sock('apiserver')},fork,unlink-early`, `TCP:127.0.0.1:${cp.apiServerPort}`],
    },
    {
      // On every address of the namespace: the kubelet uses 127.0.0.1, pods the node IP.
      name: 'relay-apiserver-ns',
      bin: socat,
      netns: ns,
      args: [`TCP-LISTEN:${apiServerNodePort},fork,reuseaddr`, `UNIX-CONNECT:${sock('apiserver')}`],
    },
    {
      name: 'containerd',
      bin: '/usr/bin/containerd',
      netns: ns,
      args: ['--config', join(l.dir, 'containerd.toml')],
    },
    {
      name: 'kubelet',
      bin: join(binDir, 'kubelet'),
      netns: ns,
      args: [
        `--config=${join(l.dir, 'kubelet.json')}`,
        `--kubeconfig=${kubeletKubeconfig}`,
        `--hostname-override=${nodeName}`,
        `--node-ip=${l.nodeIp}`,
        `--root-dir=${l.kubeletRoot}`,
        '--v=1',
      ],
    },
    {
      name: 'relay-kubelet-ns',
      bin: socat,
      netns: ns,
      args: [`UNIX-LISTEN:${sock('kubelet')},fork,unlink-early`, `TCP:127.0.0.1:${l.kubeletPort}`],
    },
    {
      // The API server reaches the kubelet (logs, exec) at localhost:<port> on the host.
      name: 'relay-kubelet-host',
      bin: socat,
      args: [`TCP-LISTEN:${l.kubeletPort},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${sock('kubelet')}`],
    },
    {
      name: 'kube-proxy',
      bin: join(binDir, 'kube-proxy'),
      netns: ns,
      args: [`--config=${join(l.dir, 'kube-proxy.json')}`],
    },
    {
      name: 'kube-router',
      bin: join(binDir, 'kube-router'),
      netns: ns,
      args: [
        `--kubeconfig=${routerKubeconfig}`,
        `--hostname-override=${nodeName}`,
        '--run-firewall=true',
        '--run-router=false',
        '--run-service-proxy=false',
        '--enable-cni=false',
        '--enable-ipv6=false',
        '--service-cluster-ip-range=10.96.0.0/16',
        '--metrics-port=0',
        '--health-port=0',
      ],
    },
  ];
}

function creds(cp: ControlPlane): Credentials {
  return { ca: cp.caCert, cert: cp.adminCert, key: cp.adminKey };
}

async function getJson(cp: ControlPlane, path: string): Promise<any> {
  const res = await httpCall(`${cp.apiServerUrl}${path}`, { creds: creds(cp) });
  return res.status === 200 ? JSON.parse(res.body) : undefined;
}

function kubectl(cp: ControlPlane, args: string[], input?: string): string {
  return run(cp.kubectl, [`--kubeconfig=${cp.kubeconfig}`, ...args], input === undefined ? {} : { input });
}

function ensureAliveAll(stateDir: string, names: readonly string[]): void {
  for (const name of names) {
    if (livePid(stateDir, name) === undefined)
      throw new Error(`real node: ${name} exited\n${tailLog(stateDir, name)}`);
  }
}

function importImages(l: NodeLayout, images: Image[]): void {
  const have = run('ctr', ['--address', l.containerdSocket, '-n', 'k8s.io', 'images', 'ls', '-q']);
  for (const image of images) {
    if (have.split('\n').includes(image.ref)) continue;
    run('ctr', ['--address', l.containerdSocket, '-n', 'k8s.io', 'images', 'import', image.archive]);
    const now = run('ctr', ['--address', l.containerdSocket, '-n', 'k8s.io', 'images', 'ls', '-q']);
    if (!now.split('\n').includes(image.ref))
      throw new Error(
        `real node: importing ${image.archive} did not yield ${image.ref} (have: ${now.trim()})`,
      );
  }
}

/**
 * Starts the real node for the control plane `cp` (whose state directory it lives in) and waits
 * until it is Ready with CoreDNS serving. On any failure everything started is stopped again.
 */
export async function startNode(
  cp: ControlPlane,
  opts: { log: Log; kubeletPort: number; extraImages?: Image[] },
): Promise<RealNode> {
  const log = opts.log;
  const { binDir } = await ensureNodeBinaries({ log: (l) => log(`build: ${l}`) });
  const [pause, coredns] = [await pauseImage(), await coreDnsImage(binDir)];
  const l = nodeLayout(cp.stateDir, opts.kubeletPort, pause.ref);
  rmSync(l.dir, { recursive: true, force: true });
  mkdirSync(l.dir, { recursive: true });
  const node: RealNode = { ...l, binDir, images: { pause: pause.ref, coredns: coredns.ref }, daemons: [] };
  writeFileSync(nodeStateFile(cp.stateDir), `${JSON.stringify(node, null, 2)}\n`);
  try {
    // Containment before anything: host routes, then the namespace, both checked.
    await acquireHost(l.id);
    createNetns(l.netns, l.nodeIp);
    createCgroups(l.cgroupRoot);
    node.daemons = writeNodeFiles(cp, l, binDir);
    writeFileSync(nodeStateFile(cp.stateDir), `${JSON.stringify(node, null, 2)}\n`);
    const byName = (name: string) => node.daemons.find((d) => d.name === name)!;
    const start = (name: string) => startComponent(cp.stateDir, byName(name));
    log(`real node: namespace ${l.netns} (no uplink), node IP ${l.nodeIp} on its lo; starting containerd`);
    start('relay-apiserver-host');
    start('relay-apiserver-ns');
    start('containerd');
    await pollUntil(
      'containerd',
      async () => {
        ensureAliveAll(cp.stateDir, ['containerd']);
        return existsSync(l.containerdSocket) ? true : undefined;
      },
      { timeoutMs: 60_000, describe: () => tailLog(cp.stateDir, 'containerd') },
    );
    importImages(l, [pause, coredns, ...(opts.extraImages ?? [])]);
    log('real node: starting kubelet');
    start('kubelet');
    start('relay-kubelet-ns');
    start('relay-kubelet-host');
    await pollUntil(
      'the real node Ready',
      async () => {
        ensureAliveAll(cp.stateDir, ['containerd', 'kubelet']);
        const n = await getJson(cp, `/api/v1/nodes/${nodeName}`);
        return n?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')
          ? n
          : undefined;
      },
      { timeoutMs: 180_000, describe: () => tailLog(cp.stateDir, 'kubelet') },
    );
    // kube-router's firewall reads the node's pod range; the controller-manager allocates none here.
    const n = await getJson(cp, `/api/v1/nodes/${nodeName}`);
    if (!n?.spec?.podCIDR)
      kubectl(cp, [
        'patch',
        'node',
        nodeName,
        '--type=merge',
        '-p',
        JSON.stringify({ spec: { podCIDR: nodePodCidr, podCIDRs: [nodePodCidr] } }),
      ]);
    kubectl(
      cp,
      ['apply', '--server-side', '--field-manager=storefront-node', '-f', '-'],
      JSON.stringify(addonManifests({ nodeIp: l.nodeIp, coreDnsImage: coredns.ref })),
    );
    log('real node: Ready; starting kube-proxy and kube-router');
    start('kube-proxy');
    start('kube-router');
    assertContained(l.netns);
    await pollUntil(
      'CoreDNS Ready',
      async () => {
        ensureAliveAll(cp.stateDir, nodeDaemons);
        assertContained(l.netns);
        const pods = await getJson(
          cp,
          '/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-dns',
        );
        const ready = pods?.items?.some((p: any) =>
          p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready ? true : undefined;
      },
      {
        timeoutMs: 180_000,
        describe: () => `${tailLog(cp.stateDir, 'kubelet')}\n${tailLog(cp.stateDir, 'kube-router')}`,
      },
    );
    log('real node: CoreDNS Ready');
    return node;
  } catch (err) {
    log(`real node: start-up failed, stopping it; logs are in ${join(cp.stateDir, 'logs')}`);
    await stopNode(cp.stateDir, log).catch((e) =>
      log(`real node: stop after failure: ${(e as Error).message}`),
    );
    throw err;
  }
}

/** Whether every daemon of the node runs. */
export function nodeRunning(stateDir: string): boolean {
  const node = readNode(stateDir);
  return (
    node !== undefined &&
    node.daemons.length > 0 &&
    node.daemons.every((d) => livePid(stateDir, d.name) !== undefined)
  );
}

/**
 * Removes everything the node made: pods (through the CRI, so CNI and netns are released),
 * daemons, leftover container processes, mounts, the namespace (and with it every rule and
 * interface in it), cgroups, and — when it is the last real node here — the host routes and sysctls.
 */
export async function stopNode(stateDir: string, log: Log): Promise<void> {
  const node = readNode(stateDir);
  if (!node) return;
  const stop = (name: string, graceMs = 10_000) => stopComponent(stateDir, name, graceMs);
  await stop('kubelet', 20_000);
  if (livePid(stateDir, 'containerd') !== undefined && existsSync(join(node.binDir, 'crictl'))) {
    const crictl = [
      join(node.binDir, 'crictl'),
      '--runtime-endpoint',
      `unix://${node.containerdSocket}`,
      '--timeout',
      '30s',
    ];
    try {
      run('timeout', ['120', ...crictl, 'rmp', '--all', '--force']);
    } catch (err) {
      log(`real node: crictl rmp: ${(err as Error).message}`);
    }
  }
  for (const name of ['relay-front-door-host', 'relay-front-door-ns', ...[...nodeDaemons].reverse()])
    await stop(name);
  // Anything still in the node's cgroups (a shim, a container that ignored its stop) is killed.
  for (let i = 0; i < 50; i++) {
    const pids = cgroupPids(node.cgroupRoot);
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await sleep(100);
  }
  for (const mount of mountsUnder(node.dir)) {
    try {
      run('umount', ['-l', mount]);
    } catch (err) {
      log(`real node: umount ${mount}: ${(err as Error).message}`);
    }
  }
  deleteNetns(node.netns);
  try {
    removeCgroups(node.cgroupRoot);
  } catch (err) {
    log(`real node: cgroups ${node.cgroupRoot}: ${(err as Error).message}`);
  }
  await releaseHost(node.id);
  rmSync(node.dir, { recursive: true, force: true });
}

/** Imports images (built by images.ts / base-images.ts) into the running node's containerd. */
export function loadImages(stateDir: string, images: Image[]): void {
  const node = readNode(stateDir);
  if (!node || livePid(stateDir, 'containerd') === undefined)
    throw new Error(`no running real node in ${stateDir}; start the cluster with realNode: true`);
  importImages(node, images);
}

/**
 * Runs the front-door stand-in in `namespace` (the ingress controller's), syncs it once and
 * opens the host relay; returns the host port (127.0.0.1) it serves HTTPS on.
 */
export async function startFrontDoor(cp: ControlPlane, namespace: string, log: Log): Promise<number> {
  const node = readNode(cp.stateDir);
  if (!node) throw new Error(`no real node in ${cp.stateDir}`);
  const nginx = await nginxImage();
  importImages(node, [nginx]);
  const k = (args: string[], input?: string) => kubectl(cp, args, input);
  k(
    ['apply', '--server-side', '--field-manager=storefront-node', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: frontDoorManifests(namespace, nginx.ref) }),
  );
  await pollUntil(
    'the front door pod Running',
    async () => {
      const pods = await getJson(
        cp,
        `/api/v1/namespaces/${namespace}/pods?labelSelector=app.kubernetes.io%2Fname%3D${frontDoorName}`,
      );
      return pods?.items?.some((p: any) => p.status?.phase === 'Running') ? true : undefined;
    },
    { timeoutMs: 180_000 },
  );
  syncFrontDoor(k, namespace);
  const svc = await getJson(cp, `/api/v1/namespaces/${namespace}/services/${frontDoorName}`);
  const [hostPort] = await freePorts(1);
  const relays = frontDoorRelays({
    netns: node.netns,
    socketPath: join(node.dir, 'sock', 'front-door.sock'),
    hostPort: hostPort!,
    serviceIp: svc.spec.clusterIP,
  });
  for (const relay of relays) {
    await stopComponent(cp.stateDir, relay.name, 5_000);
    startComponent(cp.stateDir, relay);
  }
  node.daemons = [...node.daemons.filter((d) => !relays.some((r) => r.name === d.name)), ...relays];
  node.frontDoor = { namespace, port: hostPort! };
  writeFileSync(nodeStateFile(cp.stateDir), `${JSON.stringify(node, null, 2)}\n`);
  log(`front door: https://127.0.0.1:${hostPort} (stand-in nginx in ${namespace})`);
  return hostPort!;
}

/** The control plane of the cluster in `stateDir`, read from its state file. */
export function controlPlaneOf(stateDir: string): ControlPlane {
  const state = JSON.parse(readFileSync(join(stateDir, 'cluster.json'), 'utf8'));
  return {
    stateDir,
    apiServerUrl: state.apiServerUrl,
    caCert: state.caCert,
    caKey: join(stateDir, 'pki', 'ca.key'),
    adminCert: state.adminCert,
    adminKey: state.adminKey,
    kubectl: state.kubectl,
    kubeconfig: state.kubeconfig,
    apiServerPort: state.ports.apiserver,
  };
}
