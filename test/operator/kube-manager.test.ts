// The Manager wiring on the real API server: an informer feeds a controller that runs only while
// this replica holds the Lease; /readyz turns green once caches sync; /metrics shows reconciles
// and API calls; stopping releases the Lease.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../operator/controller/controller.ts';
import { createLogger } from '../../operator/controller/logger.ts';
import { Manager } from '../../operator/controller/manager.ts';
import { OperatorMetrics } from '../../operator/controller/metrics.ts';
import type { KubeObject } from '../../operator/core/object.ts';
import { createKubeClient, type KubeClient } from '../../operator/kube/client.ts';
import { testCluster } from '../cluster/context.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, deleteNamespace } from '../support/kube.ts';

const FM = 'kube-manager-test';

describe('Manager on the real API server', () => {
  let admin: KubeClient;
  let ns: string;

  beforeAll(async () => {
    admin = createKubeClient({ kubeconfig: testCluster().kubeconfig });
    ns = await createNamespace(admin, 'kube-manager');
  });

  afterAll(async () => {
    await deleteNamespace(admin, ns);
  });

  it('when it leads and caches sync, then objects are reconciled, endpoints report it, and stop releases the lease', async () => {
    const metrics = new OperatorMetrics({ processMetrics: false });
    const client = createKubeClient({
      kubeconfig: testCluster().kubeconfig,
      onRequest: metrics.onApiRequest,
    });
    const logger = createLogger({
      level: 'silent',
      destination: new Writable({
        write(_c, _e, cb) {
          cb();
        },
      }),
    });
    const fatal: string[] = [];
    const manager = new Manager({
      client,
      logger,
      metrics,
      healthPort: 0,
      healthHost: '127.0.0.1',
      leaderElection: {
        namespace: ns,
        name: 'manager-test',
        identity: 'replica-1',
        // Long lease: a starved machine must not make this replica lose it mid-test.
        leaseDurationMs: 20_000,
        renewDeadlineMs: 15_000,
        retryPeriodMs: 1_000,
      },
      onFatal: (reason) => fatal.push(reason),
    });
    await admin.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'pre-existing', namespace: ns, labels: { demo: 'yes' } },
      },
      { fieldManager: FM },
    );
    const configMaps = manager.informer<KubeObject>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: { demo: 'yes' },
    });
    const reconciled: string[] = [];
    const controller = new Controller({
      name: 'demo',
      logger,
      metrics,
      reconcile: async ({ key }) => {
        reconciled.push(key);
      },
    }).watch(configMaps);
    manager.add(controller);
    await manager.start();

    await eventually('leadership', () => manager.isLeader());
    await eventually('pre-existing object reconciled', () => reconciled.includes(`${ns}/pre-existing`));
    await admin.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'new', namespace: ns, labels: { demo: 'yes' } },
      },
      { fieldManager: FM },
    );
    await eventually('new object reconciled', () => reconciled.includes(`${ns}/new`));

    const url = manager.healthUrl()!;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/storefront_reconcile_total\{controller="demo",result="success"\} [1-9]/);
    expect(text).toMatch(/storefront_kube_api_requests_total\{verb="list",code="200"\} [1-9]/);
    // The Lease write that made this replica leader (created here, or renewed since).
    expect(text).toMatch(/storefront_kube_api_requests_total\{verb="(create|update)",code="20[01]"\} [1-9]/);
    expect(text).toContain('storefront_leader 1');
    expect(text).toContain('storefront_informer_synced{kind="ConfigMap"} 1');

    await manager.stop();
    const lease = await admin.get<KubeObject & { spec?: { holderIdentity?: string } }>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace: ns,
      name: 'manager-test',
    });
    expect(lease.spec?.holderIdentity).toBe('');
    expect(fatal).toEqual([]);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
