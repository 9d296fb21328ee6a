// Optional APIs (cert-manager, Gateway API, CloudNativePG) a spec needs and the cluster lacks.
import type { Storefront } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { OWNED_KINDS, type OwnedKind } from './owned-kinds.ts';

/** The optional kinds this spec renders. */
export function wantedOptionalKinds(sf: Storefront): OwnedKind[] {
  return OWNED_KINDS.filter((k) => {
    if (k.kind === 'Certificate') return sf.spec.ingress.tls.mode === 'certManager';
    if (k.kind === 'HTTPRoute') return sf.spec.ingress.provider === 'gatewayAPI';
    if (k.kind === 'Cluster') return sf.spec.database.mode === 'cloudnativepg';
    return false;
  });
}

export async function missingApis(client: KubeClient, sf: Storefront): Promise<string[]> {
  const missing: string[] = [];
  for (const k of wantedOptionalKinds(sf))
    if (!(await client.resourceFor(k.apiVersion, k.kind))) missing.push(k.optional!);
  return missing;
}
