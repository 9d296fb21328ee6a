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

describe('render: monitoring.serviceMonitor', () => {
  const withServiceMonitor = (extra: Record<string, unknown> = {}) =>
    sf({ monitoring: { serviceMonitor: { enabled: true, ...extra } } });

  it('when off (the default), then neither a ServiceMonitor nor the metrics Service is rendered', () => {
    const objects = render(sf(), fixedInputs(sf()));
    expect(objects.some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    expect(objects.some((o) => o.metadata.name === 'shop-app-metrics')).toBe(false);
  });

  it("when on, then a ServiceMonitor selects exactly the metrics Service, whose only port is the app pods' metrics port; the app Service still does not expose it", () => {
    const s = withServiceMonitor({
      interval: '1m',
      labels: { release: 'kps', 'storefront.dev/storefront': 'x' },
    });
    const objects = render(s, fixedInputs(s));
    const sm = objects.find((o) => o.kind === 'ServiceMonitor') as any;
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.metadata.name).toBe('shop-app');
    expect(sm.metadata.labels).toMatchObject({ release: 'kps', 'storefront.dev/storefront': 'shop' });
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '1m' }]);
    const services = objects.filter((o) => o.kind === 'Service') as any[];
    const selected = services.filter((svc) =>
      Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => svc.metadata.labels?.[k] === v),
    );
    expect(selected.map((svc) => svc.metadata.name)).toEqual(['shop-app-metrics']);
    const metrics = selected[0];
    expect(metrics.spec.ports).toEqual([
      { name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    const app = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'shop-app') as any;
    expect(metrics.spec.selector).toEqual(app.spec.selector.matchLabels);
    const appService = services.find((svc) => svc.metadata.name === 'shop-app');
    expect(appService.spec.ports.map((p: any) => p.name)).toEqual(['http']);
    // The PodMonitor is independent of it.
    expect(objects.some((o) => o.kind === 'PodMonitor')).toBe(false);
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

  it('when the ServiceMonitor API is not served, then MonitoringReady is MissingAPI naming it; once the ServiceMonitor exists, Configured', () => {
    const s = sf({ monitoring: { serviceMonitor: { enabled: true } } });
    const status = (missing: boolean, present: boolean) =>
      computeStatus(
        s,
        {
          children: new Map(present ? [['ServiceMonitor/shop-app', { metadata: { name: 'shop-app' } }]] : []),
          missingApis: new Set(missing ? (['ServiceMonitor'] as const) : []),
          missingSecrets: [],
        },
        new Date(0),
      ).conditions?.find((c) => c.type === 'MonitoringReady');
    expect(status(true, false)).toMatchObject({
      status: 'False',
      reason: 'MissingAPI',
      message: expect.stringContaining(
        'monitoring.serviceMonitor needs the Prometheus Operator (monitoring.coreos.com/v1 ServiceMonitor)',
      ),
    });
    expect(status(false, false)).toMatchObject({ status: 'False', reason: 'Creating' });
    expect(status(false, true)).toMatchObject({
      status: 'True',
      reason: 'Configured',
      message: 'ServiceMonitor shop-app selects the metrics port of Service shop-app-metrics',
    });
  });

  it('when the PodMonitor exists, then MonitoringReady is True; when monitoring is off, there is no such condition', () => {
    expect(cond(monitored(), false, true)).toMatchObject({ status: 'True', reason: 'Configured' });
    expect(cond(monitored(), false, false)).toMatchObject({ status: 'False', reason: 'Creating' });
    expect(cond(sf(), false, false)).toBeUndefined();
  });
});
