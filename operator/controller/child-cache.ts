// Read access to the informer caches of owned kinds, as the reconciler needs it.
import type { Informer } from '../kube/informer.ts';
import type { KubeObject, ObjectRef } from '../kube/types.ts';

export class ChildCache {
  private readonly informers = new Map<string, Informer>();

  set(kind: string, informer: Informer): void {
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

  list(kind: string, namespace: string): KubeObject[] | undefined {
    return this.informers.get(kind)?.list(namespace);
  }

  all(): Informer[] {
    return [...this.informers.values()];
  }
}
