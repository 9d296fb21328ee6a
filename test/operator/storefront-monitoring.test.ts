// monitoring.podMonitor and monitoring.serviceMonitor on the real control plane, with the
// Prometheus Operator's own PodMonitor and ServiceMonitor CRDs (from its Go module). Prometheus
// cannot run here, so what is checked is what we own: the missing APIs are reported, and once the
// CRDs appear (added while the operator runs, as a platform team would) the PodMonitor, the
// ServiceMonitor and its metrics Service are created, admitted by those CRDs' schemas, and reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, prometheusOperatorCrdFiles } from '../cluster/third-party-crds.ts';
import {
  cluster,
  condition,
  k,
  kJson,
  kTry,
  operatorSuite,
  patchSpec,
  storefrontDoc,
  waitFor,
} from './support.ts';

const CRD = 'podmonitors.monitoring.coreos.com';
const SM_CRD = 'servicemonitors.monitoring.coreos.com';
const deleteCrd = () =>
  kTry(['delete', 'crd', CRD, SM_CRD, '--ignore-not-found', '--wait=true', '--timeout=120s']);

// Start without the API even when an earlier run left it; leave the cluster without it too.
const suite = operatorSuite(['sf-mon'], ([ns]) => ['--no-leader-elect', '--namespace', ns!], {
  beforeOperator: deleteCrd,
});
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});
afterAll(() => {
  deleteCrd();
});

describe('monitoring.podMonitor and monitoring.serviceMonitor', () => {
  it('when the Prometheus Operator is missing, then MonitoringReady says MissingAPI for both and Ready does not wait; once its CRDs appear, the PodMonitor and the ServiceMonitor are created and reported; each is pruned when switched off', async () => {
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('mon', {
        monitoring: {
          podMonitor: { enabled: true, interval: '15s', labels: { release: 'kps' } },
          serviceMonitor: { enabled: true, interval: '1m', labels: { release: 'kps' } },
        },
        networkPolicy: { monitoringNamespace: 'monitoring' },
      }),
    );
    const missing = await waitFor('MonitoringReady=False MissingAPI', () => {
      const c = condition(ns, 'mon', 'MonitoringReady');
      return c?.reason === 'MissingAPI' ? c : undefined;
    });
    expect(missing.message).toContain('monitoring.coreos.com/v1 PodMonitor');
    expect(missing.message).toContain('monitoring.coreos.com/v1 ServiceMonitor');
    // Everything else is applied meanwhile, and Ready does not wait for monitoring.
    await waitFor('Ready=True', () => condition(ns, 'mon', 'Ready')?.status === 'True', 180_000);

    installCrds(cluster(), prometheusOperatorCrdFiles());
    const pm = await waitFor(
      'PodMonitor mon-app',
      () => kTry(['get', CRD, 'mon-app', '-n', ns, '-o', 'json']).stdout,
      180_000,
    ).then((out) => JSON.parse(out));
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    expect(pm.metadata.labels).toMatchObject({ release: 'kps', 'storefront.dev/storefront': 'mon' });
    expect(pm.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Storefront', name: 'mon', controller: true }),
    ]);
    // It selects the app pods, which name the port it scrapes.
    const pods = kJson(['get', 'pods', '-n', ns, '-l', labelSelector(pm.spec.selector.matchLabels)]).items;
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods)
      expect(pod.spec.containers[0].ports).toContainEqual(
        expect.objectContaining({ name: 'metrics', containerPort: 9090 }),
      );
    // The ServiceMonitor selects the metrics Service, which selects the same pods by their metrics port.
    const sm = await waitFor(
      'ServiceMonitor mon-app',
      () => kTry(['get', SM_CRD, 'mon-app', '-n', ns, '-o', 'json']).stdout,
      180_000,
    ).then((out) => JSON.parse(out));
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '1m' }]);
    expect(sm.metadata.labels).toMatchObject({ release: 'kps', 'storefront.dev/storefront': 'mon' });
    const services = kJson([
      'get',
      'services',
      '-n',
      ns,
      '-l',
      labelSelector(sm.spec.selector.matchLabels),
    ]).items;
    expect(services.map((svc: any) => svc.metadata.name)).toEqual(['mon-app-metrics']);
    expect(services[0].spec.ports).toEqual([
      expect.objectContaining({ name: 'metrics', port: 9090, targetPort: 'metrics' }),
    ]);
    const scraped = kJson(['get', 'pods', '-n', ns, '-l', labelSelector(services[0].spec.selector)]).items;
    expect(scraped.map((p: any) => p.metadata.name).sort()).toEqual(
      pods.map((p: any) => p.metadata.name).sort(),
    );
    const ready = await waitFor('MonitoringReady=True', () => {
      const c = condition(ns, 'mon', 'MonitoringReady');
      return c?.status === 'True' ? c : undefined;
    });
    expect(ready.message).toBe(
      "PodMonitor mon-app selects the app pods' metrics port; ServiceMonitor mon-app selects the metrics port of Service mon-app-metrics",
    );

    // Switched off: the PodMonitor is pruned and the condition goes away.
    patchSpec(ns, 'mon', { monitoring: { podMonitor: { enabled: false } } });
    await waitFor('PodMonitor pruned', () => kTry(['get', CRD, 'mon-app', '-n', ns]).status !== 0);
    expect(kTry(['get', SM_CRD, 'mon-app', '-n', ns]).status).toBe(0);
    patchSpec(ns, 'mon', { monitoring: { serviceMonitor: { enabled: false } } });
    await waitFor('ServiceMonitor pruned', () => kTry(['get', SM_CRD, 'mon-app', '-n', ns]).status !== 0);
    await waitFor(
      'metrics Service pruned',
      () => kTry(['get', 'service', 'mon-app-metrics', '-n', ns]).status !== 0,
    );
    await waitFor('no MonitoringReady', () => condition(ns, 'mon', 'MonitoringReady') === undefined);
  });
});

function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
