// Labels and annotations the user adds: spec.inheritedMetadata on every child, ingress.annotations
// on the Ingress/HTTPRoute, app.serviceAnnotations on the app Service. Ours always win on a clash,
// so no user label can change a selector or our identity label. Keys are sorted so the render does
// not depend on the order the spec wrote them in.
import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { names } from './names.ts';
import { sortedKeys } from './placement.ts';

type Strings = Record<string, string> | undefined;

export function withUserMetadata(sf: Storefront, objects: KubeObject[]): KubeObject[] {
  const inherited = sf.spec.inheritedMetadata;
  const app = names(sf).app;
  return objects.map((o) => {
    let annotations: Strings = inherited?.annotations;
    if (o.kind === 'Ingress' || o.kind === 'HTTPRoute')
      annotations = merge(annotations, sf.spec.ingress.annotations);
    if (o.kind === 'Service' && o.metadata.name === app)
      annotations = merge(annotations, sf.spec.app.serviceAnnotations);
    const labels: Strings = inherited?.labels;
    if (!nonEmpty(labels) && !nonEmpty(annotations)) return o;
    const metadata = { ...o.metadata };
    if (nonEmpty(labels)) metadata.labels = sortedKeys(merge(labels, o.metadata.labels)!);
    if (nonEmpty(annotations)) metadata.annotations = sortedKeys(merge(annotations, o.metadata.annotations)!);
    return { ...o, metadata };
  });
}

/** `base` overlaid by `over` (over wins). */
function merge(base: Strings, over: Strings): Strings {
  if (!base) return over;
  if (!over) return base;
  return { ...base, ...over };
}

function nonEmpty(m: Strings): m is Record<string, string> {
  return m !== undefined && Object.keys(m).length > 0;
}
