// monitoring.podMonitor on the real control plane, with the Prometheus Operator's own PodMonitor
// CRD (from its Go module). Prometheus cannot run here, so what is checked is what we own: the
// missing API is reported, and once the CRD appears (added while the operator runs, as a platform
// team would) the PodMonitor is created, admitted by that CRD's schema, and reported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrds, prometheusOperatorCrdFiles } from '../cluster/third-party-crds.ts';
import { cluster, condition, k, kJson, kTry, operatorSuite, storefrontDoc, waitFor } from './support.ts';

const CRD = 'podmonitors.monitoring.coreos.com';
const deleteCrd = () => kTry(['delete', 'crd', CRD, '--ignore-not-found', '--wait=true', '--timeout=120s']);

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

describe('monitoring.podMonitor', () => {
  it('when the Prometheus Operator is missing, then MonitoringReady says MissingAPI and Ready does not wait; once its CRD appears, the PodMonitor is created and reported', async () => {
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('mon', {
        monitoring: { podMonitor: { enabled: true, interval: '15s', labels: { release: 'kps' } } },
        networkPolicy: { monitoringNamespace: 'monitoring' },
      }),
    );
    const missing = await waitFor('MonitoringReady=False MissingAPI', () => {
      const c = condition(ns, 'mon', 'MonitoringReady');
      return c?.reason === 'MissingAPI' ? c : undefined;
    });
    expect(missing.message).toContain('monitoring.coreos.com/v1 PodMonitor');
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
    await waitFor('MonitoringReady=True', () => condition(ns, 'mon', 'MonitoringReady')?.status === 'True');

    // Switched off: the PodMonitor is pruned and the condition goes away.
    k([
      'patch',
      'sf',
      'mon',
      '-n',
      ns,
      '--type',
      'merge',
      '-p',
      '{"spec":{"monitoring":{"podMonitor":{"enabled":false}}}}',
    ]);
    await waitFor('PodMonitor pruned', () => kTry(['get', CRD, 'mon-app', '-n', ns]).status !== 0);
    await waitFor('no MonitoringReady', () => condition(ns, 'mon', 'MonitoringReady') === undefined);
  });
});

function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}
