// Optional APIs installed after start-up (cert-manager, the Gateway API, CloudNativePG) get their
// informer on first need, once per kind: the informer joins the child cache and wakes Storefronts
// like the ones started with the operator. A Manager runnable: it starts watches only between the
// manager's start and stop, so no informer is created that the manager would never start or stop.
// The reconciler only says which kinds it needs (and waits for their caches: its status reads them).
import type { Informer } from '../kube/informer.ts';
import type { ChildCache } from '../observe/child-cache.ts';
import { type OptionalKind, type OwnedKind, ownedKind } from '../observe/owned-kinds.ts';
import type { Logger } from './logger.ts';
import type { Runnable } from './manager.ts';

export interface LateWatchesOptions {
  cache: ChildCache;
  /** Creates (and, once the manager runs, starts) an informer of a child kind. */
  informer: (kind: OwnedKind) => Informer;
  /** Wires an informer's events to the controller's queue. */
  watch: (informer: Informer) => void;
  logger: Logger;
}

export class LateWatches implements Runnable {
  readonly name = 'late-watches';
  private readonly options: LateWatchesOptions;
  private readonly started = new Map<OptionalKind, Promise<void>>();
  private state: 'new' | 'running' | 'stopped' = 'new';
  private running!: () => void;
  /** Resolves when the manager starts this runnable (or stops it first). */
  private readonly begun = new Promise<void>((resolve) => {
    this.running = resolve;
  });

  constructor(options: LateWatchesOptions) {
    this.options = options;
  }

  start(): void {
    if (this.state !== 'new') return;
    this.state = 'running';
    this.running();
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.running();
  }

  /**
   * Watches each of `kinds` not watched yet; resolves once every one of them has synced. Once
   * stopped, a kind not watched yet is refused (the reconcile fails and writes nothing) rather
   * than watched by an informer nobody would start.
   */
  ensure = async (kinds: ReadonlySet<OptionalKind>): Promise<void> => {
    const needed = [...kinds].filter((kind) => !this.options.cache.has(kind));
    if (needed.length === 0) return;
    await this.begun;
    for (const kind of needed) await this.watch(kind);
  };

  private watch(kind: OptionalKind): Promise<void> {
    let synced = this.started.get(kind);
    if (!synced) {
      if (this.state !== 'running')
        throw new Error(`the operator is stopping: ${kind} is not watched, so Storefronts rendering it wait`);
      const owned = ownedKind(kind);
      const informer = this.options.informer(owned);
      this.options.watch(informer);
      this.options.cache.set(kind, informer);
      this.options.logger.info({ kind, apiVersion: owned.apiVersion }, 'API now served; watching it');
      synced = informer.synced;
      this.started.set(kind, synced);
    }
    return synced;
  }
}
