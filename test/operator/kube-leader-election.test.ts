// Leader election on a real Lease: two electors → exactly one leads; stopping the leader hands
// over at the next retry; killing a leader's process hands over once the lease expires.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../operator/controller/leader-election.ts';
import type { KubeObject } from '../../operator/core/object.ts';
import { createKubeClient, type KubeClient } from '../../operator/kube/client.ts';
import { KubeLeaseStore } from '../../operator/kube/lease.ts';
import { testCluster } from '../cluster/context.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, deleteNamespace } from '../support/kube.ts';

const repoRoot = join(import.meta.dirname, '..', '..');
// Long enough that a CPU-starved 2-core machine (a renewal delayed by seconds) never loses the
// lease by accident; the hand-over tests wait for events, so only the kill test pays the 20 s.
const timings = { leaseDurationMs: 20_000, renewDeadlineMs: 15_000, retryPeriodMs: 1_000 };

type LeaseObject = KubeObject & { spec?: { holderIdentity?: string; leaseTransitions?: number } };

describe('LeaderElector on a real Lease', () => {
  let client: KubeClient;
  let ns: string;

  beforeAll(async () => {
    client = createKubeClient({ kubeconfig: testCluster().kubeconfig });
    ns = await createNamespace(client, 'kube-leader');
  });

  afterAll(async () => {
    await deleteNamespace(client, ns);
  });

  const lease = (name: string) =>
    client.get<LeaseObject>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: ns, name });

  it('when two replicas campaign, then exactly one leads at any time; stopping it hands over and clears the holder', async () => {
    const store = new KubeLeaseStore(client, { namespace: ns, name: 'two-replicas' });
    const log: string[] = [];
    const make = (id: string) =>
      new LeaderElector({
        store,
        identity: id,
        ...timings,
        onStartedLeading: () => log.push(`${id} started`),
        onStoppedLeading: (reason) => log.push(`${id} stopped: ${reason}`),
      });
    const a = make('replica-a').start();
    const b = make('replica-b').start();
    const first = await eventually('a leader', () => (a.isLeader() ? a : b.isLeader() ? b : undefined));
    const second = first === a ? b : a;
    // Watch for a while: never two leaders, and the lease names the leader.
    for (let i = 0; i < 20; i++) {
      expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 150));
    }
    const held = await lease('two-replicas');
    expect(held.spec?.holderIdentity).toBe(first === a ? 'replica-a' : 'replica-b');

    await first.stop();
    expect(first.isLeader()).toBe(false);
    await eventually('the other replica leads', () => second.isLeader());
    const after = await lease('two-replicas');
    expect(after.spec?.holderIdentity).toBe(first === a ? 'replica-b' : 'replica-a');
    expect(after.spec?.leaseTransitions).toBeGreaterThanOrEqual(1);
    await second.stop();
    expect((await lease('two-replicas')).spec?.holderIdentity).toBe('');
    expect(log.filter((l) => l.endsWith('started'))).toHaveLength(2);
    expect(log.filter((l) => l.endsWith('stopped: released'))).toHaveLength(2);
  });

  it('when the leader process is killed, then another replica takes over once the lease expires', async () => {
    const leaseName = 'killed-leader';
    // A separate Node process leads, as a real replica would; SIGKILL gives it no chance to release.
    const script = `
      import { createKubeClient } from ${JSON.stringify(join(repoRoot, 'operator/kube/client.ts'))};
      import { KubeLeaseStore } from ${JSON.stringify(join(repoRoot, 'operator/kube/lease.ts'))};
      import { LeaderElector } from ${JSON.stringify(join(repoRoot, 'operator/controller/leader-election.ts'))};
      const client = createKubeClient({ kubeconfig: ${JSON.stringify(testCluster().kubeconfig)} });
      const store = new KubeLeaseStore(client, { namespace: ${JSON.stringify(ns)}, name: ${JSON.stringify(leaseName)} });
      new LeaderElector({ store, identity: 'doomed', ...${JSON.stringify(timings)},
        onStartedLeading: () => console.log('LEADING') }).start();
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await eventually(`child process leads (output: ${out})`, () => out.includes('LEADING'), 60_000);
      const survivor = new LeaderElector({
        store: new KubeLeaseStore(client, { namespace: ns, name: leaseName }),
        identity: 'survivor',
        ...timings,
      }).start();
      // While the child renews, the survivor must not lead.
      for (let i = 0; i < 10; i++) {
        expect(survivor.isLeader()).toBe(false);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(survivor.leader()).toBe('doomed');
      child.kill('SIGKILL');
      await eventually('survivor takes over after the lease expires', () => survivor.isLeader(), 180_000);
      const taken = await lease(leaseName);
      expect(taken.spec?.holderIdentity).toBe('survivor');
      expect(taken.spec?.leaseTransitions).toBe(1);
      await survivor.stop();
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
