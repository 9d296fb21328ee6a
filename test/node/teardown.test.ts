// Stopping a real-node cluster removes everything the node made: its containers and their
// processes, its network namespace (and with it every interface and nft/iptables rule in it),
// its mounts, its cgroups, its files; and when it was the last real node on the machine, the
// host's unreachable routes and the sysctls the kubelet changed are back as before.
// Runs its own small cluster, so the suite's shared real node is left alone.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testStateDir } from '../cluster/global-setup.ts';
import { ensureCluster, kubectl, stopCluster } from '../cluster/harness.ts';
import { pollUntil } from '../cluster/http.ts';
import { hostSysctls, hostUnreachable, hostUsers, netnsPath, routes } from '../cluster/node/containment.ts';
import { mountsUnder, readNode } from '../cluster/node/node.ts';

const sysctls = () =>
  Object.fromEntries(hostSysctls.map((k) => [k, readFileSync(`/proc/sys/${k}`, 'utf8').trim()]));

describe('real node teardown', () => {
  it('when a real-node cluster with a running pod stops, then nothing it made is left on the machine', async () => {
    const stateDir = testStateDir('-teardown');
    const othersBefore = hostUsers();
    const before = sysctls();
    const log = (line: string) => process.stderr.write(`[teardown] ${line}\n`);
    const info = await ensureCluster({ stateDir, realNode: true, log });
    const node = readNode(stateDir)!;
    expect(node).toBeDefined();
    expect(existsSync(netnsPath(node.netns))).toBe(true);
    expect(hostUsers()).toContain(node.id);
    // CoreDNS runs as a real container: its processes are in the node's cgroup.
    const dns = kubectl(info, ['get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'name']);
    expect(dns.trim()).not.toBe('');
    expect(mountsUnder(node.dir).length).toBeGreaterThan(0);

    await stopCluster({ stateDir });

    expect(existsSync(netnsPath(node.netns)), 'network namespace').toBe(false);
    expect(mountsUnder(node.dir), 'mounts under the node directory').toEqual([]);
    expect(existsSync(node.dir), 'node directory').toBe(false);
    for (const controller of ['memory', 'pids', 'cpu,cpuacct', 'unified']) {
      expect(existsSync(join('/sys/fs/cgroup', controller, node.cgroupRoot)), `cgroup ${controller}`).toBe(
        false,
      );
    }
    // No process of the node is left: nothing runs the node's binaries or holds its directory.
    const leftovers = await pollUntil(
      'no process of the node',
      async () => (processesMentioning(node.dir).length === 0 ? [] : undefined),
      { timeoutMs: 30_000 },
    ).catch(() => processesMentioning(node.dir));
    expect(leftovers).toEqual([]);
    expect(hostUsers()).not.toContain(node.id);
    if (othersBefore.length === 0 && hostUsers().length === 0) {
      // It was the only real node: the host is as before it started.
      for (const range of hostUnreachable)
        expect(
          routes().some((r) => r.dst === range),
          range,
        ).toBe(false);
      expect(sysctls()).toEqual(before);
    } else {
      // Other real nodes (another run's) still rely on the host routes: they stay.
      for (const range of hostUnreachable)
        expect(routes().some((r) => r.dst === range && r.type === 'unreachable')).toBe(true);
    }
  });
});

/** PIDs whose command line mentions `dir` (the node's daemons and shims all do). */
function processesMentioning(dir: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) out.push(`${pid}: ${cmd}`);
    } catch {}
  }
  return out;
}
