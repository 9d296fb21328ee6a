// Metrics collection: a Prometheus Operator PodMonitor that scrapes the app pods' management port
// (METRICS_PORT, /metrics) directly, so the app Service never exposes that port to the front door.
import type { Storefront } from '../api/types.ts';
import { labels, names, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';

export function renderMonitoring(out: Objects, sf: Storefront): void {
  const pm = sf.spec.monitoring.podMonitor;
  if (!pm.enabled) return;
  const n = names(sf);
  out.addCustom({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: {
      name: n.podMonitor,
      // Ours win on a clash: the storefront label is what watches and prune select by.
      labels: { ...pm.labels, ...labels(sf, 'monitoring', 'storefront-shop', 'v1') },
    },
    spec: {
      selector: { matchLabels: workloadSelector(sf, 'app') },
      podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: pm.interval }],
    },
  });
}
