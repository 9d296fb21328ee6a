// The harness itself: `up` is idempotent, status reports health, and the API server can be
// restarted under running clients without losing data.
import { describe, expect, it } from 'vitest';
import { testCluster } from './context.ts';
import { clusterStatus, ensureCluster, restartApiServer } from './harness.ts';
import { createNamespace, deleteNamespace, getJson, k, kTry } from './test-helpers.ts';

describe('cluster harness', () => {
  it('when ensureCluster is called on a healthy cluster, then it reuses it', async () => {
    const { stateDir, apiServerUrl, kubeconfig } = testCluster();
    const again = await ensureCluster({ stateDir, log: () => {} });
    expect(again.started).toBe(false);
    expect(again.apiServerUrl).toBe(apiServerUrl);
    expect(again.kubeconfig).toBe(kubeconfig);
    const status = await clusterStatus({ stateDir });
    expect(status.healthy).toBe(true);
    expect(Object.values(status.components).every((c) => c.running)).toBe(true);
  });

  it('when the cluster is up, then it has 3 schedulable fake nodes and a default StorageClass', () => {
    const nodes = getJson<{
      items: {
        metadata: { annotations: Record<string, string> };
        spec: { taints?: unknown[]; unschedulable?: boolean };
      }[];
    }>(['nodes']);
    expect(nodes.items.length).toBeGreaterThanOrEqual(3);
    for (const node of nodes.items) {
      expect(node.metadata.annotations['kwok.x-k8s.io/node']).toBe('fake');
      expect(node.spec.taints ?? []).toEqual([]);
      expect(node.spec.unschedulable ?? false).toBe(false);
    }
    const sc = getJson<{ metadata: { annotations: Record<string, string> }; volumeBindingMode: string }>([
      'storageclass',
      'standard',
    ]);
    expect(sc.metadata.annotations['storageclass.kubernetes.io/is-default-class']).toBe('true');
    expect(sc.volumeBindingMode).toBe('Immediate');
    const version = JSON.parse(k(['version', '-o', 'json'])) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('when ensureCluster asks for more pods per node, then the running nodes report that capacity', async () => {
    const { stateDir } = testCluster();
    const podsOf = () =>
      getJson<{
        items: { status: { capacity: Record<string, string>; allocatable: Record<string, string> } }[];
      }>(['nodes']).items.map((n) => [n.status.capacity['pods'], n.status.allocatable['pods']]);
    try {
      await ensureCluster({ stateDir, podsPerNode: 250, log: () => {} });
      expect(podsOf()).toEqual([
        ['250', '250'],
        ['250', '250'],
        ['250', '250'],
      ]);
    } finally {
      await ensureCluster({ stateDir, log: () => {} });
    }
    expect(podsOf().every(([c, a]) => c === '110' && a === '110')).toBe(true);
  });

  it('when the API server restarts, then it serves again with the data intact', async () => {
    const ns = createNamespace('restart');
    try {
      k(['create', 'configmap', 'survivor', '-n', ns, '--from-literal=k=v']);
      const before = getJson<{ metadata: { uid: string } }>(['configmap', 'survivor', '-n', ns]);
      const oldPid = (await clusterStatus({ stateDir: testCluster().stateDir })).components['kube-apiserver']
        ?.pid;
      await restartApiServer({ stateDir: testCluster().stateDir });
      const status = await clusterStatus({ stateDir: testCluster().stateDir });
      expect(status.components['kube-apiserver']?.pid).not.toBe(oldPid);
      expect(status.healthy).toBe(true);
      const after = getJson<{ metadata: { uid: string }; data: Record<string, string> }>([
        'configmap',
        'survivor',
        '-n',
        ns,
      ]);
      expect(after.metadata.uid).toBe(before.metadata.uid);
      expect(after.data['k']).toBe('v');
      expect(kTry(['get', '--raw', '/readyz']).stdout.trim()).toBe('ok');
    } finally {
      deleteNamespace(ns);
    }
  });
});
