// Network containment of the real node, built before anything else runs and checked, never
// assumed: one network namespace with no uplink (only lo; the CNI adds an internal bridge), no
// default route, and `unreachable` routes on the host for the pod and Service ranges so nothing
// on the host can send those packets off the machine. Host-wide changes (those routes, the
// sysctls the kubelet changes) are shared by every real node on the machine: the first one
// makes them, the last one to stop undoes them.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceRange } from '../components.ts';
import { withLock } from '../lock.ts';
import { cacheDir } from '../paths.ts';
import { podRange } from './configs.ts';

/** Runs a command; throws with its stderr when it fails (the caller then stops everything). */
export function run(cmd: string, args: string[], opts: { input?: string } = {}): string {
  const res = spawnSync(cmd, args, { encoding: 'utf8', input: opts.input });
  if (res.error) throw new Error(`${cmd} ${args.join(' ')}: ${res.error.message}`);
  if (res.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${res.status}): ${res.stderr.trim()}`);
  return res.stdout;
}

export const netnsPath = (name: string) => `/run/netns/${name}`;
/** The namespace of the real node `id`. */
export const netnsName = (id: string) => `sf-${id}`;

/** Routes of the host (no namespace) or of `netns`, as `ip -j route` prints them. */
export function routes(netns?: string): { dst: string; type?: string; dev?: string; gateway?: string }[] {
  return JSON.parse(run('ip', [...(netns ? ['-n', netns] : []), '-j', 'route', 'show']) || '[]');
}

/** What the routing table would do with a packet to `address`, without sending one (`ip route get`). */
export function routeGet(
  address: string,
  netns?: string,
): { ok: true; route: string } | { ok: false; error: string } {
  const res = spawnSync('ip', [...(netns ? ['-n', netns] : []), 'route', 'get', address], {
    encoding: 'utf8',
  });
  return res.status === 0 ? { ok: true, route: res.stdout.trim() } : { ok: false, error: res.stderr.trim() };
}

/** Throws unless `netns` has no default route and no interface but lo, bridges and veths. */
export function assertContained(netns: string): void {
  const bad = routes(netns).filter((r) => r.dst === 'default');
  if (bad.length)
    throw new Error(`real node: namespace ${netns} has a default route (${JSON.stringify(bad)}); stopping`);
  const links: { ifname: string; link_type?: string; linkinfo?: { info_kind?: string } }[] = JSON.parse(
    run('ip', ['-n', netns, '-j', '-d', 'link', 'show']),
  );
  for (const link of links) {
    const kind = link.linkinfo?.info_kind;
    if (link.ifname === 'lo' || kind === 'bridge' || kind === 'veth') continue;
    throw new Error(
      `real node: namespace ${netns} has interface ${link.ifname} (${kind ?? link.link_type}); stopping`,
    );
  }
}

/** The host's primary IPv4 address: the node IP (added to the namespace's lo, so it is local there). */
export function hostIpv4(): string {
  const addrs: { addr_info: { family: string; local: string; scope: string }[] }[] = JSON.parse(
    run('ip', ['-j', '-4', 'addr', 'show', 'scope', 'global']),
  );
  const ip = addrs.flatMap((a) => a.addr_info).find((a) => a.family === 'inet')?.local;
  if (!ip) throw new Error('real node: the host has no global IPv4 address to use as the node IP');
  return ip;
}

/** Creates the namespace (lo up, the node IP on lo, forwarding for the bridge) and checks it. */
export function createNetns(name: string, nodeIp: string): void {
  if (!existsSync(netnsPath(name))) run('ip', ['netns', 'add', name]);
  run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  const addrs = run('ip', ['-n', name, '-4', '-o', 'addr', 'show', 'dev', 'lo']);
  if (!addrs.includes(`${nodeIp}/32`)) run('ip', ['-n', name, 'addr', 'add', `${nodeIp}/32`, 'dev', 'lo']);
  // Connections the namespace itself opens to a Service IP (the front-door relay) need a route to
  // exist before kube-proxy's output DNAT rewrites them to a pod; `lo` keeps them on the machine
  // (a Service with no endpoint ends there, refused).
  if (!routes(name).some((r) => r.dst === serviceRange))
    run('ip', ['-n', name, 'route', 'add', serviceRange, 'dev', 'lo']);
  assertContained(name);
  const sysctl = (key: string, value: string) =>
    run('nsenter', [`--net=${netnsPath(name)}`, 'sysctl', '-q', '-w', `${key}=${value}`]);
  sysctl('net.ipv4.ip_forward', '1');
  sysctl('net.bridge.bridge-nf-call-iptables', '1');
}

export function deleteNetns(name: string): void {
  if (existsSync(netnsPath(name))) run('ip', ['netns', 'delete', name]);
}

// ---------------------------------------------------------------- host-wide, shared

/** Host sysctls the kubelet sets at start (pkg/kubelet/cm setupKernelTunables); restored on stop. */
export const kubeletSysctls = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
];
/**
 * Host limits a node raises (never lowers) while it runs: each kubelet (cAdvisor) and containerd
 * takes inotify instances from root's 128, and with several real nodes and test runners on one
 * machine the kubelet then died at start ("Failed to start cAdvisor: inotify_init: too many open
 * files", seen with two clones' `npm test` at once). 512 is what kind asks for, for the same reason.
 */
export const raisedHostLimits: Record<string, number> = { 'fs/inotify/max_user_instances': 512 };
/** Every host sysctl a node changes: saved by the first node, restored by the last. */
export const hostSysctls = [...kubeletSysctls, ...Object.keys(raisedHostLimits)];
export const hostUnreachable = [podRange, serviceRange];

const hostDir = () => join(cacheDir(), 'host');
const usersDir = () => join(hostDir(), 'real-nodes');
const savedSysctls = () => join(hostDir(), 'sysctls.json');

function readSysctls(): Record<string, string> {
  return Object.fromEntries(hostSysctls.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]));
}

function hasUnreachable(range: string): boolean {
  return routes().some((r) => r.dst === range && r.type === 'unreachable');
}

/** The node `id` joins: host routes added (if missing), sysctls saved by the first node. */
export function acquireHost(id: string): Promise<void> {
  return withLock(join(cacheDir(), 'host.lock'), async () => {
    mkdirSync(usersDir(), { recursive: true });
    if (readdirSync(usersDir()).length === 0 || !existsSync(savedSysctls()))
      writeFileSync(savedSysctls(), `${JSON.stringify(readSysctls(), null, 2)}\n`);
    writeFileSync(join(usersDir(), id), `${process.pid}\n`);
    for (const [key, wanted] of Object.entries(raisedHostLimits)) {
      const current = Number(readFileSync(`/proc/sys/${key}`, 'utf8').trim());
      if (current < wanted) writeFileSync(`/proc/sys/${key}`, String(wanted));
    }
    for (const range of hostUnreachable) {
      if (!hasUnreachable(range)) run('ip', ['route', 'replace', 'unreachable', range]);
    }
    for (const range of hostUnreachable) {
      const got = routeGet(range.replace(/0\/16$/, '1'));
      if (got.ok) throw new Error(`real node: the host still routes ${range} (${got.route}); stopping`);
    }
  });
}

/** The node `id` leaves: the last one removes the host routes and restores the sysctls. */
export function releaseHost(id: string): Promise<void> {
  return withLock(join(cacheDir(), 'host.lock'), async () => {
    rmSync(join(usersDir(), id), { force: true });
    // A node that died without stopping left its entry; its namespace tells whether it still runs.
    for (const other of hostUsers()) {
      if (!existsSync(netnsPath(netnsName(other)))) rmSync(join(usersDir(), other), { force: true });
    }
    if (hostUsers().length > 0) return;
    for (const range of hostUnreachable) {
      if (hasUnreachable(range)) run('ip', ['route', 'del', 'unreachable', range]);
    }
    if (existsSync(savedSysctls())) {
      const saved = JSON.parse(readFileSync(savedSysctls(), 'utf8')) as Record<string, string>;
      for (const [key, value] of Object.entries(saved)) writeFileSync(`/proc/sys/${key}`, value);
      rmSync(savedSysctls());
    }
  });
}

/** Whether any real node on this machine still holds the host-wide changes. */
export function hostUsers(): string[] {
  return existsSync(usersDir()) ? readdirSync(usersDir()) : [];
}
