// Reads what computeStatus looks at — the children that carry readiness, optional APIs the spec
// needs, user Secrets it references — with plain GETs (the CLI has no informer caches).
import type { Storefront } from '../api/types.ts';
import { missingApis } from '../controller/optional-apis.ts';
import { OWNED_KINDS } from '../controller/owned-kinds.ts';
import type { KubeClient } from '../kube/client.ts';
import { readinessChildren, referencedUserSecrets } from '../status/children.ts';
import type { Observed, ObservedChild } from '../status/conditions.ts';

export async function observe(client: KubeClient, sf: Storefront, namespace: string): Promise<Observed> {
  const apis = await missingApis(client, sf);
  const children = new Map<string, ObservedChild>();
  await Promise.all(
    readinessChildren(sf).map(async ([kind, name]) => {
      const { apiVersion } = OWNED_KINDS.find((k) => k.kind === kind)!;
      if (!(await client.resourceFor(apiVersion, kind))) return;
      const live = await client.tryGet({ apiVersion, kind, namespace, name });
      if (live) children.set(`${kind}/${name}`, live as unknown as ObservedChild);
    }),
  );
  const userSecrets = referencedUserSecrets(sf);
  const missingSecrets: string[] = [];
  for (const name of userSecrets) {
    if (!(await client.tryGet({ apiVersion: 'v1', kind: 'Secret', namespace, name })))
      missingSecrets.push(name);
  }
  return { children, missingApis: apis, missingSecrets };
}
