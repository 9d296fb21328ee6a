// The operator process: informers (Storefronts + owned kinds, filtered by our label), a work queue,
// leader election, health and metrics, and a graceful shutdown. Wiring only; the decisions live in
// reconcile-storefront.ts, render/ and status/.

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Storefront } from '../api/types.ts';
import type { Clock } from '../core/clock.ts';
import { realClock } from '../core/clock.ts';
import { type KubeObject, keyOf } from '../core/object.ts';
import { createKubeClient, type KubeClient } from '../kube/client.ts';
import { ChildCache } from '../observe/child-cache.ts';
import { OWNED_KINDS, type OwnedKind, STOREFRONT_KIND } from '../observe/owned-kinds.ts';
import { STOREFRONT_LABEL } from '../render/names.ts';
import { childInformerOptions } from './child-informers.ts';
import { Controller } from './controller.ts';
import { ForeignNames, foreignNameInformerOptions } from './foreign-names.ts';
import { exposedGc, IdleGc } from './idle-gc.ts';
import { LateWatches } from './late-watches.ts';
import { createLogger, type Logger } from './logger.ts';
import { Manager } from './manager.ts';
import { OperatorMetrics } from './metrics.ts';
import { FINALIZER, StorefrontReconciler } from './reconcile-storefront.ts';
import { storefrontChanged } from './storefront-events.ts';
import type { WorkQueue } from './workqueue.ts';

export interface OperatorOptions {
  kubeconfig?: string;
  /** kubeconfig context (default: its current-context). */
  context?: string;
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
  onLostLeadership?: (reason: string) => void;
}

export interface RunningOperator {
  client: KubeClient;
  queue: WorkQueue;
  /** The informer caches of the kinds a Storefront owns: what the operator holds in memory. */
  cache: ChildCache;
  /** URL of /healthz, /readyz and /metrics. */
  healthUrl: string;
  metrics: OperatorMetrics;
  manager: Manager;
  identity: string;
  /** Stops taking work, drains in-flight reconciles, releases the Lease. */
  stop(): Promise<void>;
}

const CONTROLLER = 'storefront';
/**
 * Child events wait this long before their Storefront is queued: one apply creates ~20 children
 * and a rollout updates their status several times within a second or two, and each event would
 * otherwise cost a full reconcile (render, hashes, status). Spec changes are not delayed.
 */
const CHILD_EVENT_COALESCE_MS = 1000;

/** Child objects map to their Storefront by label (retained objects have no ownerReference). */
const storefrontOf = (obj: KubeObject): string | undefined => {
  const owner = obj.metadata.labels?.[STOREFRONT_LABEL];
  return owner && obj.metadata.namespace ? `${obj.metadata.namespace}/${owner}` : undefined;
};

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const clock = options.clock ?? realClock;
  const logger = options.logger ?? createLogger();
  const identity = options.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const metrics = new OperatorMetrics();
  const client = createKubeClient({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
    qps: options.qps,
    burst: options.burst,
    http2: true,
    onRequest: metrics.onApiRequest,
    clock,
  });
  const ns = options.namespace;
  const manager = new Manager({
    client,
    logger,
    metrics,
    clock,
    healthPort: options.healthPort,
    leaderElection: options.leaderElection
      ? {
          namespace: options.leaseNamespace ?? process.env.POD_NAMESPACE ?? ns ?? 'default',
          name: options.leaseName ?? 'storefront-operator',
          identity,
        }
      : false,
    ...(options.onLostLeadership ? { onFatal: options.onLostLeadership } : {}),
  });

  const storefronts = manager.informer<Storefront & KubeObject>({
    ...STOREFRONT_KIND,
    ...(ns ? { namespace: ns } : {}),
  });
  const cache = new ChildCache();
  // Only our objects (child-informers.ts): the cache stays small however busy the cluster is,
  // and whatever labels others put on theirs.
  const childInformer = (kind: OwnedKind) => manager.informer(childInformerOptions(kind, ns));
  // Names of everyone else's objects of the kinds we write, for the takeover check. The optional
  // kinds (cert-manager's, the Gateway API's, ...) have none: their few names are asked about.
  const foreignNames = new ForeignNames(cache, ns);
  for (const kind of OWNED_KINDS) {
    if (kind.optional && !(await client.resourceFor(kind.apiVersion, kind.kind))) continue;
    cache.set(kind.kind, childInformer(kind));
    if (!kind.optional) foreignNames.add(kind.kind, manager.informer(foreignNameInformerOptions(kind, ns)));
  }

  // Its own runnable: watches of APIs installed after start-up begin and end with the manager.
  const lateWatches = new LateWatches({
    cache,
    informer: childInformer,
    watch: (informer) => controller.watch(informer, storefrontOf, { coalesceMs: CHILD_EVENT_COALESCE_MS }),
    logger,
  });
  manager.run(lateWatches);

  const reconciler = new StorefrontReconciler({
    client,
    cache,
    clock,
    resyncMs: options.resyncMs,
    watchOptionalKinds: lateWatches.ensure,
    free: foreignNames.free,
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
        logger.warn({ err: (e as Error).message, reason }, 'could not record an event');
      }
    },
  });
  const controller = new Controller({
    name: CONTROLLER,
    concurrency: options.concurrency,
    logger,
    metrics,
    queue: { clock },
    reconcile: async ({ key }) => {
      const outcome = await reconciler.reconcile(key);
      return outcome.requeueAfterMs !== undefined ? { requeueAfterMs: outcome.requeueAfterMs } : undefined;
    },
  });
  // Status-only updates (our own status writes) and our finalizer being added queue nothing.
  controller.watch(storefronts, keyOf, { updated: (a, b) => storefrontChanged(a, b, FINALIZER) });
  for (const inf of cache.all()) controller.watch(inf, storefrontOf, { coalesceMs: CHILD_EVENT_COALESCE_MS });
  manager.add(controller);
  manager.run(
    new IdleGc({
      reconciles: () => controller.reconciles(),
      idle: () => controller.idle(),
      logger,
      gc: exposedGc(),
    }),
  );
  await manager.start();

  return {
    client,
    queue: controller.queue,
    cache,
    healthUrl: manager.healthUrl()!,
    metrics,
    manager,
    identity,
    stop: async () => {
      await manager.stop();
      client.transport.close();
    },
  };
}
