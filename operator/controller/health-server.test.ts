import { afterEach, describe, expect, it } from 'vitest';
import {
  type HealthServer,
  informersNotStalled,
  informersSynced,
  startHealthServer,
  type WatchedCache,
} from './health-server.ts';
import { OperatorMetrics } from './metrics.ts';
import { WorkQueue } from './workqueue.ts';

describe('health server (real HTTP on port 0)', () => {
  let server: HealthServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('when informers are synced and live, then /healthz and /readyz answer 200; when not, 503 naming them', async () => {
    const cache = { kind: 'Storefront', synced: false, stalled: false };
    const caches: WatchedCache[] = [
      { kind: cache.kind, hasSynced: () => cache.synced, isStalled: () => cache.stalled },
    ];
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      liveness: [informersNotStalled(() => caches)],
      readiness: [informersSynced(() => caches)],
    });
    let ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toContain('[-]informers-synced failed: not synced: Storefront');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    cache.synced = true;
    ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('[+]informers-synced ok');

    cache.stalled = true;
    const live = await fetch(`${server.url}/healthz`);
    expect(live.status).toBe(503);
    expect(await live.text()).toContain('stalled: Storefront');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('when work went through a queue and the API was called, then /metrics exposes it in Prometheus text', async () => {
    const metrics = new OperatorMetrics({ processMetrics: false });
    const queue = new WorkQueue({ hooks: metrics.queueHooks('storefront') });
    metrics.observeReconcile('storefront', 'success', 12);
    metrics.observeReconcile('storefront', 'error', 3);
    metrics.onApiRequest({ verb: 'apply', code: '200', durationMs: 5 });
    metrics.onApiRequest({ verb: 'get', code: '404', durationMs: 1 });
    metrics.setLeader(true);
    metrics.trackInformers(() => [
      {
        kind: 'Storefront',
        synced: true,
        watching: true,
        lastEventAt: 1_700_000_000_000,
        lastActivityAt: 0,
        watchRestarts: 2,
        events: 0,
        quietTimeouts: 0,
        resourceVersionResets: 0,
        relists: 1,
        consecutiveFailures: 0,
        lastError: undefined,
      },
    ]);
    queue.add('shop/demo');
    server = await startHealthServer({ port: 0, host: '127.0.0.1', metrics });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('storefront_reconcile_total{controller="storefront",result="success"} 1');
    expect(text).toContain('storefront_reconcile_errors_total{controller="storefront"} 1');
    expect(text).toContain('storefront_reconcile_duration_seconds_count{controller="storefront"} 2');
    expect(text).toContain('storefront_workqueue_depth{name="storefront"} 1');
    expect(text).toContain('storefront_kube_api_requests_total{verb="apply",code="200"} 1');
    expect(text).toContain('storefront_kube_api_requests_total{verb="get",code="404"} 1');
    expect(text).toContain('storefront_leader 1');
    expect(text).toContain('storefront_informer_synced{kind="Storefront"} 1');
    expect(text).toContain('storefront_informer_restarts{kind="Storefront"} 2');
    await queue.shutdown({ drain: false });
  });
});
