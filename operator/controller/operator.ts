// The operator process: informers (Storefronts + owned kinds, filtered by our label), a work queue,
// leader election, health and metrics, and a graceful shutdown. Wiring only; the decisions live in
// reconcile-storefront.ts, render/ and status/.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Storefront } from '../api/types.ts';
import { createKubeClient, type KubeClient } from '../kube/client.ts';
import { Informer } from '../kube/informer.ts';
import { KubeLeaseStore } from '../kube/lease.ts';
import type { KubeObject } from '../kube/types.ts';
import { MANAGED_BY, STOREFRONT_LABEL } from '../render/names.ts';
import { ChildCache } from './child-cache.ts';
import { type Clock, realClock } from './clock.ts';
import {
  type HealthServer,
  informersNotStalled,
  informersSynced,
  startHealthServer,
} from './health-server.ts';
import { LeaderElector } from './leader-election.ts';
import { createLogger, type Logger, storefrontLogger } from './logger.ts';
import { OperatorMetrics } from './metrics.ts';
import { OWNED_KINDS, STOREFRONT_KIND } from './owned-kinds.ts';
import { StorefrontReconciler } from './reconcile-storefront.ts';
import { WorkQueue } from './workqueue.ts';

export interface OperatorOptions {
  kubeconfig?: string;
  /** Watch one namespace only (the chart's scoped mode); default all namespaces. */
  namespace?: string;
  /** Storefronts reconciled in parallel. */
  concurrency: number;
  leaderElection: boolean;
  /** Namespace of the Lease (default: POD_NAMESPACE, else the watched namespace, else "default"). */
  leaseNamespace?: string;
  leaseName?: string;
  healthPort: number;
  resyncMs: number;
  /** Client-side rate limit (requests per second) and burst. */
  qps: number;
  burst: number;
  identity?: string;
  clock?: Clock;
  logger?: Logger;
  /** Called when leadership is lost (default: exit 1 so the Pod restarts clean). */
  onLostLeadership?: () => void;
}

export interface RunningOperator {
  client: KubeClient;
  queue: WorkQueue;
  health: HealthServer;
  metrics: OperatorMetrics;
  elector: LeaderElector | undefined;
  identity: string;
  /** Stops taking work, drains in-flight reconciles, releases the Lease. */
  stop(): Promise<void>;
}

const CONTROLLER = 'storefront';

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const clock = options.clock ?? realClock;
  const log = options.logger ?? createLogger();
  const identity = options.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const metrics = new OperatorMetrics();
  const client = createKubeClient({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    qps: options.qps,
    burst: options.burst,
    onRequest: metrics.onApiRequest,
  });
  const ns = options.namespace;
  const informerLog = {
    debug: (o: object, m: string) => log.debug(o, m),
    warn: (o: object, m: string) => log.warn(o, m),
  };
  const storefronts = new Informer<Storefront & KubeObject>(client, {
    ...STOREFRONT_KIND,
    ...(ns ? { namespace: ns } : {}),
    logger: informerLog,
  });
  const cache = new ChildCache();
  for (const kind of OWNED_KINDS) {
    if (kind.optional && !(await client.resourceFor(kind.apiVersion, kind.kind))) continue;
    cache.set(
      kind.kind,
      new Informer(client, {
        ...kind,
        ...(ns ? { namespace: ns } : {}),
        // Only our objects: the cache stays small however busy the cluster is.
        labelSelector: `app.kubernetes.io/managed-by=${MANAGED_BY},${STOREFRONT_LABEL}`,
        logger: informerLog,
      }),
    );
  }

  const queue = new WorkQueue({
    concurrency: options.concurrency,
    clock,
    hooks: metrics.queueHooks(CONTROLLER),
  });
  const enqueue = (obj: KubeObject) => queue.add(`${obj.metadata.namespace}/${obj.metadata.name}`);
  storefronts.on({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
  const enqueueOwner = (obj: KubeObject) => {
    const owner = obj.metadata.labels?.[STOREFRONT_LABEL];
    if (owner && obj.metadata.namespace) queue.add(`${obj.metadata.namespace}/${owner}`);
  };
  for (const inf of cache.all())
    inf.on({ add: enqueueOwner, update: (_o, n) => enqueueOwner(n), delete: enqueueOwner });

  const informers = () => [storefronts, ...cache.all()];
  metrics.trackInformers(() => informers().map((i) => i.health()));
  const health = await startHealthServer({
    port: options.healthPort,
    metrics,
    liveness: [informersNotStalled(informers)],
    readiness: [informersSynced(informers)],
  });

  const reconciler = new StorefrontReconciler({
    client,
    cache,
    clock,
    resyncMs: options.resyncMs,
    storefront: (namespace, name) => storefronts.get(namespace, name),
    event: async (sf, type, reason, note) => {
      try {
        await client.createEvent({
          regarding: sf as unknown as KubeObject,
          type,
          reason,
          note,
          action: 'Reconcile',
          reportingController: 'storefront.dev/operator',
          reportingInstance: identity,
        });
      } catch (e) {
        log.warn({ err: (e as Error).message, reason }, 'could not record an event');
      }
    },
  });

  let started = false;
  const startWorkers = async () => {
    if (started) return;
    started = true;
    for (const inf of informers()) inf.start();
    await Promise.all(informers().map((i) => i.synced));
    log.info({ identity, storefronts: storefronts.size() }, 'caches synced; reconciling');
    queue.start(async (key) => {
      const klog = storefrontLogger(log, key);
      const t0 = clock.now();
      try {
        const outcome = await reconciler.reconcile(key);
        metrics.observeReconcile(CONTROLLER, 'success', clock.now() - t0);
        klog.debug({ ms: clock.now() - t0 }, 'reconciled');
        return outcome.requeueAfterMs !== undefined ? { requeueAfterMs: outcome.requeueAfterMs } : undefined;
      } catch (e) {
        metrics.observeReconcile(CONTROLLER, 'error', clock.now() - t0);
        klog.error({ err: (e as Error).message }, 'reconcile failed; retrying with backoff');
        throw e;
      }
    });
  };

  let elector: LeaderElector | undefined;
  if (options.leaderElection) {
    const leaseNamespace = options.leaseNamespace ?? process.env.POD_NAMESPACE ?? ns ?? 'default';
    elector = new LeaderElector({
      store: new KubeLeaseStore(client, {
        namespace: leaseNamespace,
        name: options.leaseName ?? 'storefront-operator',
      }),
      identity,
      clock,
      logger: { info: (o, m) => log.info(o, m), warn: (o, m) => log.warn(o, m) },
      onStartedLeading: () => {
        metrics.setLeader(true);
        log.info({ identity }, 'became the leader');
        startWorkers().catch((e) => log.error({ err: (e as Error).message }, 'could not start workers'));
      },
      onStoppedLeading: (reason) => {
        metrics.setLeader(false);
        log.warn({ identity, reason }, 'lost leadership; stopping');
        if (reason !== 'released') (options.onLostLeadership ?? (() => process.exit(1)))();
      },
    }).start();
  } else {
    metrics.setLeader(true);
    await startWorkers();
  }

  return {
    client,
    queue,
    health,
    metrics,
    elector,
    identity,
    async stop() {
      await queue.shutdown({ drain: false, timeoutMs: 30_000 });
      await Promise.all(informers().map((i) => i.stop()));
      await elector?.stop();
      await health.close();
    },
  };
}
