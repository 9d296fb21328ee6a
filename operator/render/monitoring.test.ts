import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront } from '../api/validate.ts';
import { computeStatus } from '../status/conditions.ts';
import { METRICS_PORT } from './app-env.ts';
import { render } from './render.ts';
import { fixedInputs } from './testdata/fixtures.ts';

const sf = (spec: Record<string, unknown> = {}): Storefront =>
  parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop', namespace: 'shops' },
    spec: { host: 'shop.example.com', networkPolicy: { monitoringNamespace: 'monitoring' }, ...spec },
  });
const monitored = (podMonitor: Record<string, unknown> = {}) =>
  sf({ monitoring: { podMonitor: { enabled: true, ...podMonitor } } });

describe('render: monitoring.podMonitor', () => {
  it('when off (the default), then no PodMonitor is rendered', () => {
    expect(render(sf(), fixedInputs(sf())).some((o) => o.kind === 'PodMonitor')).toBe(false);
  });

  it('when on, then a PodMonitor selects exactly the app pods and scrapes their metrics port, which the app container names and the NetworkPolicy opens to the monitoring namespace', () => {
    const s = monitored({
      interval: '15s',
      labels: { release: 'kps', 'storefront.dev/storefront': 'other' },
    });
    const objects = render(s, fixedInputs(s));
    const pm = objects.find((o) => o.kind === 'PodMonitor') as any;
    expect(pm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(pm.metadata.name).toBe('shop-app');
    // The user's label is kept; ours wins on a clash.
    expect(pm.metadata.labels).toMatchObject({ release: 'kps', 'storefront.dev/storefront': 'shop' });
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    const app = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'shop-app') as any;
    expect(pm.spec.selector.matchLabels).toEqual(app.spec.selector.matchLabels);
    const container = app.spec.template.spec.containers[0];
    expect(container.ports).toContainEqual({ name: 'metrics', containerPort: METRICS_PORT, protocol: 'TCP' });
    const allowsScrape = objects
      .filter((o) => o.kind === 'NetworkPolicy')
      .some((o: any) =>
        (o.spec.ingress ?? []).some(
          (r: any) =>
            r.ports?.some((p: any) => p.port === METRICS_PORT) &&
            r.from?.some(
              (f: any) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === 'monitoring',
            ),
        ),
      );
    expect(allowsScrape).toBe(true);
  });
});

describe('computeStatus: MonitoringReady', () => {
  const observed = (missing: boolean, present: boolean) => ({
    children: new Map(present ? [['PodMonitor/shop-app', { metadata: { name: 'shop-app' } }]] : []),
    missingApis: new Set(missing ? (['PodMonitor'] as const) : []),
    missingSecrets: [],
  });
  const cond = (s: Storefront, missing: boolean, present: boolean) =>
    computeStatus(s, observed(missing, present), new Date(0)).conditions?.find(
      (c) => c.type === 'MonitoringReady',
    );

  it('when the Prometheus Operator API is not served, then MonitoringReady is False with reason MissingAPI naming the API', () => {
    const c = cond(monitored(), true, false);
    expect(c).toMatchObject({ status: 'False', reason: 'MissingAPI' });
    expect(c?.message).toContain('monitoring.coreos.com/v1 PodMonitor');
  });

  it('when the PodMonitor exists, then MonitoringReady is True; when monitoring is off, there is no such condition', () => {
    expect(cond(monitored(), false, true)).toMatchObject({ status: 'True', reason: 'Configured' });
    expect(cond(monitored(), false, false)).toMatchObject({ status: 'False', reason: 'Creating' });
    expect(cond(sf(), false, false)).toBeUndefined();
  });
});
