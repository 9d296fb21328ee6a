// Prometheus metrics of the operator, in their own registry (tests build as many as they like).
// Names follow controller-runtime's where one exists, under a `storefront_` prefix.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RequestInfo } from '../kube/client.ts';
import type { InformerHealth } from '../kube/informer.ts';
import type { WorkQueueHooks } from './workqueue.ts';

export type ReconcileResult = 'success' | 'error' | 'requeue';

export interface MetricsOptions {
  /** @default 'storefront_' */
  prefix?: string;
  /** Process metrics (CPU, memory, event loop lag, GC). @default true */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class OperatorMetrics {
  readonly registry = new Registry();
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileDuration: Histogram<'controller'>;
  private readonly queueDepth: Gauge<'name'>;
  private readonly queueLatency: Histogram<'name'>;
  private readonly workDuration: Histogram<'name'>;
  private readonly queueRetries: Counter<'name'>;
  private readonly apiRequests: Counter<'verb' | 'code'>;
  private readonly apiLatency: Histogram<'verb'>;
  private readonly leader: Gauge;
  private informerSources: Array<() => InformerHealth[]> = [];

  constructor(options: MetricsOptions = {}) {
    const p = options.prefix ?? 'storefront_';
    const registers = [this.registry];
    this.reconcileTotal = new Counter({
      name: `${p}reconcile_total`,
      help: 'Reconciles by controller and result (success, error, requeue).',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: `${p}reconcile_errors_total`,
      help: 'Reconciles that failed.',
      labelNames: ['controller'],
      registers,
    });
    this.reconcileDuration = new Histogram({
      name: `${p}reconcile_duration_seconds`,
      help: 'Time one reconcile took.',
      labelNames: ['controller'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueDepth = new Gauge({
      name: `${p}workqueue_depth`,
      help: 'Keys waiting in the work queue.',
      labelNames: ['name'],
      registers,
    });
    this.queueLatency = new Histogram({
      name: `${p}workqueue_queue_duration_seconds`,
      help: 'Time a key waited in the queue before a worker took it.',
      labelNames: ['name'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.workDuration = new Histogram({
      name: `${p}workqueue_work_duration_seconds`,
      help: 'Time a worker spent on a key.',
      labelNames: ['name'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.queueRetries = new Counter({
      name: `${p}workqueue_retries_total`,
      help: 'Keys scheduled again after a failure.',
      labelNames: ['name'],
      registers,
    });
    this.apiRequests = new Counter({
      name: `${p}kube_api_requests_total`,
      help: 'Kubernetes API requests by verb and HTTP code (`error` when none came back).',
      labelNames: ['verb', 'code'],
      registers,
    });
    this.apiLatency = new Histogram({
      name: `${p}kube_api_request_duration_seconds`,
      help: 'Kubernetes API request latency (watches: until headers).',
      labelNames: ['verb'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.leader = new Gauge({
      name: `${p}leader`,
      help: '1 while this replica holds the leader lease.',
      registers,
    });
    const sources = () => this.informerSources.flatMap((s) => s());
    new Gauge({
      name: `${p}informer_synced`,
      help: '1 once the informer has listed its kind.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const h of sources()) this.set({ kind: h.kind }, h.synced ? 1 : 0);
      },
    });
    new Gauge({
      name: `${p}informer_restarts`,
      help: 'Watches restarted (errors, server closes, silence) since start.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const h of sources()) this.set({ kind: h.kind }, h.watchRestarts);
      },
    });
    new Counter({
      name: `${p}informer_events_total`,
      help: 'Watch events received (added, modified, deleted), held in the cache or not.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const h of sources()) this.inc({ kind: h.kind }, h.events);
      },
    });
    new Gauge({
      name: `${p}informer_last_event_timestamp_seconds`,
      help: 'When the informer last heard from the API server.',
      labelNames: ['kind'],
      registers,
      collect() {
        this.reset();
        for (const h of sources()) if (h.lastEventAt) this.set({ kind: h.kind }, h.lastEventAt / 1000);
      },
    });
    // The event-loop delay is sampled every 100 ms, not prom-client's default 10 ms: a timer firing
    // 100 times a second cost an idle operator ~9 ms of CPU per second on a loaded 2-core machine
    // (~1.9 ms at 100 ms), which at 100 Storefronts converging in 100 s was ~9 ms per Storefront.
    // Every stall of 100 ms or more is still seen.
    if (options.processMetrics ?? true)
      collectDefaultMetrics({ register: this.registry, prefix: p, eventLoopMonitoringPrecision: 100 });
  }

  /** Hooks for a WorkQueue named `name`. */
  queueHooks(name: string): WorkQueueHooks {
    return {
      onDepth: (depth) => this.queueDepth.set({ name }, depth),
      onQueueLatency: (ms) => this.queueLatency.observe({ name }, ms / 1000),
      onWorkDuration: (ms) => this.workDuration.observe({ name }, ms / 1000),
      onRetry: () => this.queueRetries.inc({ name }),
    };
  }

  observeReconcile(controller: string, result: ReconcileResult, durationMs: number): void {
    this.reconcileTotal.inc({ controller, result });
    if (result === 'error') this.reconcileErrors.inc({ controller });
    this.reconcileDuration.observe({ controller }, durationMs / 1000);
  }

  /** Pass as `onRequest` to createKubeClient. */
  readonly onApiRequest = (info: RequestInfo): void => {
    const key = `${info.verb} ${info.code}`;
    let series = this.apiSeries.get(key);
    if (!series) {
      series = {
        requests: this.apiRequests.labels({ verb: info.verb, code: info.code }),
        latency: this.apiLatency.labels({ verb: info.verb }),
      };
      this.apiSeries.set(key, series);
    }
    series.requests.inc();
    series.latency.observe(info.durationMs / 1000);
  };
  /**
   * The series of each verb and code, bound once: prom-client hashes a label object on every
   * call, and every API request (31 per new Storefront) is counted and timed.
   */
  private readonly apiSeries = new Map<
    string,
    {
      requests: ReturnType<Counter<'verb' | 'code'>['labels']>;
      latency: ReturnType<Histogram<'verb'>['labels']>;
    }
  >();

  setLeader(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  /** Reports informer health on every scrape. */
  trackInformers(source: () => InformerHealth[]): void {
    this.informerSources.push(source);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
