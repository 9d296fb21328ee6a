// Optional APIs (cert-manager, Gateway API, CloudNativePG) a spec needs and the cluster lacks.
import type { Storefront } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import { OWNED_KINDS } from './owned-kinds.ts';

export async function missingApis(client: KubeClient, sf: Storefront): Promise<string[]> {
  const wanted = OWNED_KINDS.filter((k) => {
    if (k.kind === 'Certificate') return sf.spec.ingress.tls.mode === 'certManager';
    if (k.kind === 'HTTPRoute') return sf.spec.ingress.provider === 'gatewayAPI';
    if (k.kind === 'Cluster') return sf.spec.database.mode === 'cloudnativepg';
    return false;
  });
  const missing: string[] = [];
  for (const k of wanted) if (!(await client.resourceFor(k.apiVersion, k.kind))) missing.push(k.optional!);
  return missing;
}
