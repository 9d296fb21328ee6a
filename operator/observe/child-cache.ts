// Read access to the informer caches of owned kinds, as the reconciler needs it.

import type { KubeObject, ObjectRef } from '../core/object.ts';
import type { Informer } from '../kube/informer.ts';
import { STOREFRONT_LABEL } from '../render/names.ts';

const BY_STOREFRONT = 'storefront';

export class ChildCache {
  private readonly informers = new Map<string, Informer>();

  set(kind: string, informer: Informer): void {
    // namespace/storefront -> its children: each reconcile's prune reads its own, not the namespace.
    informer.addIndex(BY_STOREFRONT, (o) => {
      const sf = o.metadata.labels?.[STOREFRONT_LABEL];
      return sf === undefined ? undefined : `${o.metadata.namespace ?? ''}/${sf}`;
    });
    this.informers.set(kind, informer);
  }

  has(kind: string): boolean {
    return this.informers.has(kind);
  }

  get(kind: string, namespace: string, name: string): KubeObject | undefined {
    return this.informers.get(kind)?.get(namespace, name);
  }

  /** The live copy of a rendered object, for apply's no-op check. */
  live = (ref: ObjectRef): KubeObject | undefined => this.get(ref.kind, ref.namespace ?? '', ref.name);

  /**
   * Whether the cache's watch has seen `namespace/name` of `kind` and refused to hold it (labelled
   * like ours, owned by no Storefront); undefined when the kind is not watched or not synced yet.
   */
  passedOver(kind: string, namespace: string, name: string): boolean | undefined {
    const informer = this.informers.get(kind);
    return informer?.hasSynced() ? informer.passedOver(namespace, name) : undefined;
  }

  /** Cached objects of `kind` labelled as children of Storefront `namespace/storefront`. */
  children(kind: string, namespace: string, storefront: string): KubeObject[] | undefined {
    return this.informers.get(kind)?.byIndex(BY_STOREFRONT, `${namespace}/${storefront}`);
  }

  all(): Informer[] {
    return [...this.informers.values()];
  }
}
