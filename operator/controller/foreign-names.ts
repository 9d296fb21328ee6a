// Which names are taken by objects that are not a Storefront's, for the takeover check
// (ownership.ts). The child cache holds only what Storefronts own, so without this every object a
// new Storefront renders costs a LIST by name, most of a new Storefront's API requests. Here one
// metadata-only watch per kind sees every object *without* our Storefront label (names kept,
// nothing else), and the child informers, which watch every object *with* it, remember the names
// they refused to hold. Together they cover every object of the kind: a name in neither is
// free, and only a taken one is read from the API server. Metadata only: a namespace full of large
// Secrets costs their names, not their data.
//
// A name taken after the last watch event (a create racing the reconcile) is not seen; the LIST it
// replaces had the same window between its answer and the apply.
import type { KubeObject, ObjectRef } from '../core/object.ts';
import type { Informer, InformerOptions } from '../kube/informer.ts';
import type { ChildCache } from '../observe/child-cache.ts';
import type { OwnedKind } from '../observe/owned-kinds.ts';
import { STOREFRONT_LABEL } from '../render/names.ts';

/**
 * Objects of `kind` without the Storefront label, as names only. The child informers select on
 * the label's existence (child-informers.ts): the two selectors split the kind between them.
 */
export function foreignNameInformerOptions(kind: OwnedKind, namespace?: string): InformerOptions<KubeObject> {
  return {
    ...kind,
    ...(namespace ? { namespace } : {}),
    labelSelector: `!${STOREFRONT_LABEL}`,
    metadataOnly: true,
    transform: (o) => ({
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      metadata: {
        name: o.metadata.name,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        ...(o.metadata.resourceVersion ? { resourceVersion: o.metadata.resourceVersion } : {}),
      },
    }),
  };
}

export class ForeignNames {
  private readonly foreign = new Map<string, Informer>();
  private readonly children: ChildCache;
  /** The one namespace watched, in the chart's namespaced mode. */
  private readonly namespace: string | undefined;

  constructor(children: ChildCache, namespace?: string) {
    this.children = children;
    this.namespace = namespace;
  }

  add(kind: string, informer: Informer): void {
    this.foreign.set(kind, informer);
  }

  /**
   * True only when the watches know no object of this kind and name: not in the child cache, not
   * refused by it, not anyone else's. False whenever they cannot tell (a kind without a names
   * watch, a watch not synced yet, a namespace not watched): the caller then asks the API server.
   */
  free = (ref: ObjectRef): boolean => {
    const namespace = ref.namespace ?? '';
    if (this.namespace !== undefined && namespace !== this.namespace) return false;
    const foreign = this.foreign.get(ref.kind);
    if (!foreign?.hasSynced()) return false;
    const refused = this.children.passedOver(ref.kind, namespace, ref.name);
    if (refused !== false) return false;
    return !foreign.get(namespace, ref.name) && !this.children.get(ref.kind, namespace, ref.name);
  };
}
