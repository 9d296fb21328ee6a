// How observe/ reads the cluster, the one thing that differs between the operator and the deployer
// CLI: the operator reads its informer caches, the CLI (which has none) asks the API server.
import type { KindRef, KubeObject, ObjectRef } from '../core/object.ts';
import type { KubeClient } from '../kube/client.ts';
import { storefrontSelector } from '../render/names.ts';
import type { ChildCache } from './child-cache.ts';

export interface ObjectReader {
  /** For discovery and for the one write gathering inputs makes (credential Secrets, created once). */
  readonly client: KubeClient;
  /**
   * The object as this reader sees it: the cache (operator; a kind it does not watch reads as
   * absent, and nothing is fetched: the operator's RBAC has no `get` on most kinds) or a GET (CLI).
   */
  observed(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * The object, asked of the server when the cache lacks it. For what must not be generated again
   * because a watch lags a create (a password, a CA), and for the user's Secrets, which carry no
   * label of ours and so are never cached. Secrets only: they are what the RBAC lets us `get`.
   */
  confirmed(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * Like `confirmed`, for a read whose miss is followed by a create with POST, which fails when
   * the object exists after all (a generated password): a name the operator's watches know to be
   * free is not asked about. Not for what is then applied (apply would overwrite a lagging one).
   */
  beforeCreate(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * Objects of a kind labelled as one Storefront's (including those a controller made from ours,
   * such as the Jobs of the backup CronJob): the cache's index, or a labelled LIST.
   */
  labelled(kind: KindRef, namespace: string, storefront: string): Promise<KubeObject[]>;
}

/**
 * The operator's reader: informer caches, with a GET for `confirmed` misses and for `beforeCreate`
 * misses of names `free` (foreign-names.ts) does not know to be free.
 */
export function cacheReader(
  client: KubeClient,
  cache: ChildCache,
  free: (ref: ObjectRef) => boolean = () => false,
): ObjectReader {
  const cached = (ref: ObjectRef) => cache.get(ref.kind, ref.namespace ?? '', ref.name);
  return {
    client,
    observed: async (ref) => cached(ref),
    confirmed: async (ref) => cached(ref) ?? (await client.tryGet(ref)),
    beforeCreate: async (ref) => cached(ref) ?? (free(ref) ? undefined : await client.tryGet(ref)),
    labelled: async (kind, namespace, storefront) => cache.children(kind.kind, namespace, storefront) ?? [],
  };
}

/** The CLI's reader: every read a GET (a kind the cluster does not serve reads as absent). */
export function getReader(client: KubeClient): ObjectReader {
  return {
    client,
    observed: async (ref) =>
      (await client.resourceFor(ref.apiVersion, ref.kind)) ? client.tryGet(ref) : undefined,
    confirmed: (ref) => client.tryGet(ref),
    beforeCreate: (ref) => client.tryGet(ref),
    labelled: async (kind, namespace, storefront) =>
      (await client.resourceFor(kind.apiVersion, kind.kind))
        ? (await client.list({ ...kind, namespace, labelSelector: storefrontSelector(storefront) })).items
        : [],
  };
}
