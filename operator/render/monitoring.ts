// Metrics collection: a Prometheus Operator PodMonitor that scrapes the app pods' management port
// (METRICS_PORT, /metrics) directly, and/or a ServiceMonitor that scrapes it through a Service of
// its own (<name>-app-metrics), so the app Service never exposes that port to the front door.
import type { Storefront } from '../api/types.ts';
import { METRICS_PORT } from './app-env.ts';
import * as k8s from './k8s.ts';
import { imageVersion, labels, names, selectorLabels, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';

/** Selects the metrics Service (and only it: its app.kubernetes.io/name is its own). */
const metricsServiceSelector = (sf: Storefront) =>
  selectorLabels(sf, 'monitoring', 'storefront-shop-metrics');

export function renderMonitoring(out: Objects, sf: Storefront): void {
  const { podMonitor: pm, serviceMonitor: sm } = sf.spec.monitoring;
  const n = names(sf);
  // Ours win on a clash: the storefront label is what watches and prune select by.
  const monitorLabels = (extra: Record<string, string> | undefined) => ({
    ...extra,
    ...labels(sf, 'monitoring', 'storefront-shop', 'v1'),
  });
  if (pm.enabled)
    out.addCustom({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: n.podMonitor, labels: monitorLabels(pm.labels) },
      spec: {
        selector: { matchLabels: workloadSelector(sf, 'app') },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: pm.interval }],
      },
    });
  if (!sm.enabled) return;
  out.add(k8s.Service, {
    metadata: {
      name: n.metricsService,
      labels: labels(sf, 'monitoring', 'storefront-shop-metrics', imageVersion(sf.spec.app.image)),
    },
    spec: {
      type: 'ClusterIP',
      selector: workloadSelector(sf, 'app'),
      ports: [{ name: 'metrics', port: METRICS_PORT, targetPort: 'metrics', protocol: 'TCP' }],
    },
  });
  out.addCustom({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: n.serviceMonitor, labels: monitorLabels(sm.labels) },
    spec: {
      selector: { matchLabels: metricsServiceSelector(sf) },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: sm.interval }],
    },
  });
}
