// Runs the generic machinery in the right order, like controller-runtime's Manager: health and
// metrics endpoints first, caches and runnables next (every replica keeps warm caches, so a new
// leader starts at once), controllers only while this replica leads and only once the caches
// have synced.
// Losing leadership is fatal (`onFatal`, default exit 1): a replica that might be reconciling
// next to a new leader must not continue.

import type { Clock } from '../core/clock.ts';
import type { KubeObject } from '../core/object.ts';
import type { KubeClient } from '../kube/client.ts';
import { Informer, type InformerOptions } from '../kube/informer.ts';
import { KubeLeaseStore } from '../kube/lease.ts';
import { ListGate } from '../kube/list-gate.ts';
import type { Controller } from './controller.ts';
import {
  type HealthServer,
  informersNotStalled,
  informersSynced,
  startHealthServer,
} from './health-server.ts';
import { LeaderElector } from './leader-election.ts';
import type { Logger } from './logger.ts';
import type { OperatorMetrics } from './metrics.ts';

/**
 * Objects per informer list page. A page arrives and is parsed whole (raw, with managedFields)
 * before its items are shaped and cached, so the page size bounds the heap's peak during a
 * relist; 100 instead of the client's default 500 costs 4 more round trips per 500 objects.
 */
const INFORMER_PAGE_SIZE = 100;

export interface LeaderElectionConfig {
  namespace: string;
  /** Lease name, e.g. `storefront-operator`. */
  name: string;
  /** Unique per replica: Pod name (plus a random suffix is fine). */
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

export interface ManagerOptions {
  client: KubeClient;
  logger: Logger;
  metrics: OperatorMetrics;
  /** @default 8081; 0 for a free port */
  healthPort?: number;
  healthHost?: string;
  /** false runs controllers at once (a single replica, tests, `npm start`). */
  leaderElection: LeaderElectionConfig | false;
  /** Called when leadership is lost. @default logs and exits the process with status 1 */
  onFatal?: (reason: string) => void;
  /** Time for the informers and the leader election. @default realClock */
  clock?: Clock;
  /** Longest wait for in-flight reconciles on stop. @default 30_000 */
  shutdownTimeoutMs?: number;
}

/**
 * A piece the manager runs on every replica (controller-runtime's runnables that need no leader
 * election): started with the caches, stopped once the controllers have drained and before the
 * caches stop, so nothing it starts outlives them.
 */
export interface Runnable {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
}

export class Manager {
  private readonly options: ManagerOptions;
  private readonly informers: Informer<KubeObject>[] = [];
  private readonly runnables: Runnable[] = [];
  private readonly controllers: Controller[] = [];
  private elector: LeaderElector | undefined;
  private server: HealthServer | undefined;
  private controllersStarted = false;
  private started = false;
  /**
   * One list at a time across every informer (list-gate.ts). Measured for a fresh operator among
   * 1,000 Storefronts: concurrent lists left it at 314 MiB, one at a time with pages of 100 at 281
   * MiB, for a few seconds more start-up.
   */
  private readonly listGate = new ListGate(1);
  private stopping = false;

  constructor(options: ManagerOptions) {
    this.options = options;
    options.metrics.trackInformers(() => this.informers.map((i) => i.health()));
  }

  /** Creates an informer the manager starts, stops and reports on. */
  informer<T extends KubeObject>(options: InformerOptions<T>): Informer<T> {
    const log = this.options.logger.child({ informer: options.kind });
    const informer = new Informer<T>(this.options.client, {
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      listGate: this.listGate,
      pageSize: INFORMER_PAGE_SIZE,
      ...options,
      logger: options.logger ?? {
        debug: (obj, msg) => log.debug(obj, msg),
        warn: (obj, msg) => log.warn(obj, msg),
      },
    });
    this.informers.push(informer as unknown as Informer<KubeObject>);
    // One created later (an optional API installed while we run) starts at once.
    if (this.started && !this.stopping) informer.start();
    return informer;
  }

  add(controller: Controller): this {
    this.controllers.push(controller);
    return this;
  }

  /** Adds a runnable (see Runnable); one added while the manager runs starts at once. */
  run(runnable: Runnable): this {
    this.runnables.push(runnable);
    if (this.started && !this.stopping) runnable.start();
    return this;
  }

  /** URL of the health server once started. */
  healthUrl(): string | undefined {
    return this.server?.url;
  }

  isLeader(): boolean {
    return this.options.leaderElection === false ? true : (this.elector?.isLeader() ?? false);
  }

  /** Starts everything; resolves once the endpoints listen and caches are starting (not when leading). */
  async start(): Promise<void> {
    const { logger, metrics } = this.options;
    this.server = await startHealthServer({
      port: this.options.healthPort ?? 8081,
      host: this.options.healthHost ?? '0.0.0.0',
      metrics,
      liveness: [informersNotStalled(() => this.informers)],
      readiness: [informersSynced(() => this.informers)],
    });
    logger.info({ url: this.server.url }, 'health and metrics endpoints listening');
    this.started = true;
    for (const i of this.informers) i.start();
    for (const r of this.runnables) r.start();

    const le = this.options.leaderElection;
    if (le === false) {
      metrics.setLeader(true);
      void this.startControllers();
      return;
    }
    this.elector = new LeaderElector({
      store: new KubeLeaseStore(this.options.client, { namespace: le.namespace, name: le.name }),
      identity: le.identity,
      ...(this.options.clock ? { clock: this.options.clock } : {}),
      ...(le.leaseDurationMs !== undefined ? { leaseDurationMs: le.leaseDurationMs } : {}),
      ...(le.renewDeadlineMs !== undefined ? { renewDeadlineMs: le.renewDeadlineMs } : {}),
      ...(le.retryPeriodMs !== undefined ? { retryPeriodMs: le.retryPeriodMs } : {}),
      logger,
      onStartedLeading: () => {
        metrics.setLeader(true);
        void this.startControllers();
      },
      onStoppedLeading: (reason) => {
        metrics.setLeader(false);
        if (reason === 'released' || this.stopping) return;
        const fatal =
          this.options.onFatal ??
          ((why: string) => {
            logger.fatal({ reason: why }, 'leadership lost; exiting so a clean replica takes over');
            process.exit(1);
          });
        fatal(`leader election: ${reason}`);
      },
      onNewLeader: (identity) => logger.info({ leader: identity || '(none)' }, 'observed leader'),
    }).start();
  }

  private async startControllers(): Promise<void> {
    if (this.controllersStarted || this.stopping) return;
    this.controllersStarted = true;
    await Promise.all(this.informers.map((i) => i.synced));
    if (this.stopping) return;
    // Keys enqueued by the caches' initial lists are waiting in each queue: all get reconciled.
    for (const c of this.controllers) c.start();
    this.options.logger.info({ controllers: this.controllers.map((c) => c.name) }, 'controllers started');
  }

  /** Graceful stop: controllers drain, caches stop, the lease is released, endpoints close. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const timeoutMs = this.options.shutdownTimeoutMs ?? 30_000;
    const drained = await Promise.all(this.controllers.map((c) => c.stop({ drain: true, timeoutMs })));
    if (drained.some((d) => !d))
      this.options.logger.warn({ timeoutMs }, 'reconciles still running at shutdown');
    await Promise.all(this.runnables.map((r) => r.stop()));
    await Promise.all(this.informers.map((i) => i.stop()));
    await this.elector?.stop();
    this.options.metrics.setLeader(false);
    await this.server?.close();
  }
}
