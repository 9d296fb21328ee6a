// Optional APIs installed after start-up (cert-manager, the Gateway API, CloudNativePG) get their
// informer on first need, once per kind: the informer joins the child cache and wakes Storefronts
// like the ones started with the operator. The reconciler only says which kinds it needs.
import type { Informer } from '../kube/informer.ts';
import type { ChildCache } from '../observe/child-cache.ts';
import { type OptionalKind, type OwnedKind, ownedKind } from '../observe/owned-kinds.ts';
import type { Logger } from './logger.ts';

export interface LateWatchesOptions {
  cache: ChildCache;
  /** Creates (and, once the manager runs, starts) an informer of a child kind. */
  informer: (kind: OwnedKind) => Informer;
  /** Wires an informer's events to the controller's queue. */
  watch: (informer: Informer) => void;
  logger: Logger;
}

export class LateWatches {
  private readonly options: LateWatchesOptions;
  private readonly started = new Map<OptionalKind, Promise<void>>();

  constructor(options: LateWatchesOptions) {
    this.options = options;
  }

  /** Watches each of `kinds` not watched yet; resolves once every one of them has synced. */
  ensure = async (kinds: ReadonlySet<OptionalKind>): Promise<void> => {
    for (const kind of kinds) if (!this.options.cache.has(kind)) await this.start(kind);
  };

  private start(kind: OptionalKind): Promise<void> {
    let synced = this.started.get(kind);
    if (!synced) {
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
