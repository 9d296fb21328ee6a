// The generic reconcile loop: informer events become work-queue keys, workers call the
// reconciler one key at a time, outcomes become metrics and log lines, failures back off.
// A concrete controller (Storefront) supplies only `reconcile` and which informers to watch.

import { type KubeObject, keyOf, splitKey } from '../core/object.ts';
import type { Informer } from '../kube/informer.ts';
import type { Logger } from './logger.ts';
import { storefrontLogger } from './logger.ts';
import type { OperatorMetrics } from './metrics.ts';
import { type HandlerResult, type ShutdownOptions, WorkQueue, type WorkQueueOptions } from './workqueue.ts';

export interface ReconcileRequest {
  /** `namespace/name` (or `name` for cluster-scoped kinds). */
  key: string;
  namespace: string | undefined;
  name: string;
  /** Logger carrying the key. */
  log: Logger;
  /** Failures of this key since its last success (0 on a first try). */
  retries: number;
}

/** Throw to retry with backoff; return `requeueAfterMs` to come back later (e.g. waiting for a rollout). */
export type Reconciler = (request: ReconcileRequest) => Promise<HandlerResult | undefined> | Promise<void>;

export interface ControllerOptions {
  /** Names the queue in metrics and logs (`storefront`). */
  name: string;
  reconcile: Reconciler;
  /** @default 1 */
  concurrency?: number;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Backoff tuning and clock for the queue (concurrency and hooks are set here). */
  queue?: Omit<WorkQueueOptions, 'concurrency' | 'hooks'>;
}

/** Maps an event on a watched object to the keys to reconcile. */
export type KeyMapper<T extends KubeObject> = (obj: T) => string | string[] | undefined;

/** For child objects: the key of their controller owner of `ownerKind` (same namespace). */
export function ownerKey(ownerKind: string, ownerApiGroup?: string): KeyMapper<KubeObject> {
  return (obj) => {
    const ref = obj.metadata.ownerReferences?.find(
      (r) =>
        r.controller &&
        r.kind === ownerKind &&
        (ownerApiGroup === undefined || r.apiVersion.split('/')[0] === ownerApiGroup),
    );
    if (!ref) return undefined;
    return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
  };
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly options: ControllerOptions;
  private readonly unsubscribe: Array<() => void> = [];
  private reconcilesStarted = 0;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.name = options.name;
    const queueOptions: WorkQueueOptions = { ...options.queue, concurrency: options.concurrency ?? 1 };
    if (options.metrics) queueOptions.hooks = options.metrics.queueHooks(options.name);
    this.queue = new WorkQueue(queueOptions);
  }

  /**
   * Enqueues keys on every add, update and delete of the informer's objects: by default the
   * object's own key; pass `ownerKey('Storefront')` to reconcile the owner of a child instead.
   * With `coalesceMs`, a key waits that long before it is queued, so a burst of events (the
   * children one apply creates, a rollout's status updates) costs one reconcile, not one each.
   */
  watch<T extends KubeObject>(
    informer: Informer<T>,
    toKeys: KeyMapper<T> = keyOf,
    options: {
      coalesceMs?: number;
      /** Updates for which this is false are not queued (a write of status only, say). */
      updated?: (oldObj: T, newObj: T) => boolean;
    } = {},
  ): this {
    const { coalesceMs = 0, updated } = options;
    const enqueue = (obj: T) => {
      const keys = toKeys(obj);
      for (const k of Array.isArray(keys) ? keys : keys ? [keys] : []) this.queue.addAfter(k, coalesceMs);
    };
    this.unsubscribe.push(
      informer.on({
        add: enqueue,
        update: (oldObj, newObj) => {
          if (updated && !updated(oldObj, newObj)) return;
          enqueue(newObj);
          // A child that changed owner must also wake its previous owner.
          if (toKeys !== keyOf) enqueue(oldObj);
        },
        delete: enqueue,
      }),
    );
    return this;
  }

  /** Starts the workers. Call once the informers this controller reads have synced. */
  start(): this {
    const { logger, metrics, reconcile } = this.options;
    this.queue.start(async (key) => {
      const { namespace, name } = splitKey(key);
      const log = storefrontLogger(logger, key);
      const started = performance.now();
      this.reconcilesStarted++;
      try {
        const result = (await reconcile({
          key,
          namespace,
          name,
          log,
          retries: this.queue.numRequeues(key),
        })) as HandlerResult | undefined;
        const outcome = result?.requeueAfterMs !== undefined ? 'requeue' : 'success';
        metrics?.observeReconcile(this.name, outcome, performance.now() - started);
        log.debug({ durationMs: Math.round(performance.now() - started), outcome }, 'reconciled');
        return result;
      } catch (err) {
        metrics?.observeReconcile(this.name, 'error', performance.now() - started);
        log.error({ err, retries: this.queue.numRequeues(key) }, 'reconcile failed; will retry with backoff');
        throw err;
      }
    });
    return this;
  }

  /** Reconciles started so far (finished or running, whatever their outcome): only grows. */
  reconciles(): number {
    return this.reconcilesStarted;
  }

  /** Whether no key is queued or being reconciled (keys waiting out a delay do not count). */
  idle(): boolean {
    return this.queue.len() === 0 && this.queue.inFlight() === 0;
  }

  /** Stops taking events, then waits for the workers (draining queued keys by default). */
  async stop(options: ShutdownOptions = { drain: true }): Promise<boolean> {
    for (const u of this.unsubscribe.splice(0)) u();
    return this.queue.shutdown(options);
  }
}
