// Pure: what the CLI applies for a release. The rendered objects unchanged except for a release
// label (for listing) and annotation (who owns the object); and the adoption rule: an object that
// already exists is only taken over when it is this release's (or the user says --take-ownership).
import type { KubeObject } from '../core/object.ts';
import { RELEASE_ANNOTATION, RELEASE_LABEL } from './release.ts';

export function withReleaseMetadata(
  obj: KubeObject,
  release: { namespace: string; name: string },
): KubeObject {
  return {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [RELEASE_LABEL]: release.name },
      annotations: {
        ...obj.metadata.annotations,
        [RELEASE_ANNOTATION]: `${release.namespace}/${release.name}`,
      },
    },
  };
}

export function prepareObjects(
  objects: readonly KubeObject[],
  release: { namespace: string; name: string },
): KubeObject[] {
  return objects.map((o) => withReleaseMetadata(o, release));
}

/** The inverse of withReleaseMetadata (the golden test compares with the operator's objects). */
export function withoutReleaseMetadata(obj: KubeObject): KubeObject {
  const labels = { ...obj.metadata.labels };
  const annotations = { ...obj.metadata.annotations };
  delete labels[RELEASE_LABEL];
  delete annotations[RELEASE_ANNOTATION];
  const { labels: _l, annotations: _a, ...rest } = obj.metadata;
  return {
    ...obj,
    metadata: {
      ...rest,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
  };
}

/**
 * Why `live` must not be taken over by release `key` (`namespace/name`), or undefined when it may:
 * it does not exist, or it carries this release's annotation.
 */
export function adoptionConflict(live: KubeObject | undefined, key: string): string | undefined {
  if (!live) return undefined;
  const what = `${live.kind} ${live.metadata.namespace ? `${live.metadata.namespace}/` : ''}${live.metadata.name}`;
  const storefrontOwner = (live.metadata.ownerReferences ?? []).find((r) => r.kind === 'Storefront');
  if (storefrontOwner)
    return `${what} is owned by Storefront ${storefrontOwner.name} (the operator manages it)`;
  const owner = live.metadata.annotations?.[RELEASE_ANNOTATION];
  if (owner === key) return undefined;
  if (owner) return `${what} belongs to release ${owner}`;
  return `${what} already exists and belongs to no storefront release`;
}
