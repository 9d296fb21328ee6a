// No takeovers. The operator applies with `force`, so without this check a Storefront could
// overwrite (and later prune) any object whose name its render happens to produce: a TLS Secret
// named by `ingress.tls.secretName`, a Deployment called `<name>-app` someone else runs. Before
// anything is written, every object the render would produce is looked up; one that exists and is
// not this Storefront's is refused, naming it. Adoption is explicit: the object's owner puts
// ADOPT_ANNOTATION (value: the Storefront's name) on it.
import type { Storefront } from '../api/types.ts';
import type { KubeObject, ObjectRef } from '../core/object.ts';
import { RETAIN_ANNOTATION } from '../render/credentials.ts';
import { MANAGED_BY, STOREFRONT_LABEL } from '../render/names.ts';

/** On an existing object: "the Storefront of this name in this namespace may take me over". */
export const ADOPT_ANNOTATION = 'storefront.dev/adopt';

/**
 * Is `live` this Storefront's to write? Yes when it carries the Storefront's ownerReference, when
 * it is data a Storefront of this name kept (deletionPolicy Retain: the volume, the credentials,
 * the CA carry no ownerReference by design, so a re-created Storefront re-attaches them), or when
 * its owner allowed the adoption. Anything else belongs to someone else.
 */
export function isOurs(live: KubeObject, sf: Storefront): boolean {
  const uid = sf.metadata.uid;
  if (uid && live.metadata.ownerReferences?.some((r) => r.uid === uid)) return true;
  if (live.metadata.annotations?.[ADOPT_ANNOTATION] === sf.metadata.name) return true;
  const labels = live.metadata.labels ?? {};
  const ourLabels =
    labels['app.kubernetes.io/managed-by'] === MANAGED_BY && labels[STOREFRONT_LABEL] === sf.metadata.name;
  // The data volume's claim comes from our StatefulSet's template (owned by the StatefulSet
  // under deletionPolicy Delete, by nobody under Retain).
  if (live.kind === 'PersistentVolumeClaim') return ourLabels;
  return (
    ourLabels &&
    !live.metadata.ownerReferences?.length &&
    live.metadata.annotations?.[RETAIN_ANNOTATION] === 'true'
  );
}

/** Why `live` is not ours, in a few words for the condition and the event. */
function whose(live: KubeObject): string {
  const owner =
    live.metadata.ownerReferences?.find((r) => r.controller) ?? live.metadata.ownerReferences?.[0];
  if (owner) return `owned by ${owner.kind}/${owner.name}`;
  const manager = live.metadata.labels?.['app.kubernetes.io/managed-by'];
  return manager ? `managed by ${manager}, not by this Storefront` : 'created outside this Storefront';
}

/**
 * The objects among `refs` that exist and are not this Storefront's, as `Kind/name (why)`. `get`
 * reads the live object (the cache first, the API server for what the cache does not hold).
 */
export async function foreignObjects(
  sf: Storefront,
  refs: readonly ObjectRef[],
  get: (ref: ObjectRef) => Promise<KubeObject | undefined>,
): Promise<string[]> {
  const found = await Promise.all(
    refs.map(async (ref) => {
      const live = await get(ref);
      return live && !isOurs(live, sf) ? `${ref.kind}/${ref.name} (${whose(live)})` : undefined;
    }),
  );
  return found.filter((f): f is string => f !== undefined).sort();
}

export class ForeignObjectsError extends Error {
  constructor(sf: Storefront, foreign: string[]) {
    super(
      `refusing to take over ${foreign.length} existing object(s) that are not this Storefront's: ${foreign.join(', ')}. Nothing was written. Rename them in the spec, delete them, or let this Storefront adopt one by annotating it ${ADOPT_ANNOTATION}=${sf.metadata.name}`,
    );
    this.name = 'ForeignObjectsError';
  }
}
