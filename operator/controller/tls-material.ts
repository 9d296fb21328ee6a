// selfSigned TLS: read the live CA and leaf, renew or issue when needed, hand the result to render.
import type { Storefront } from '../api/types.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { frontDoorHosts } from '../render/front-door.ts';
import type { RenderInputs } from '../render/inputs.ts';
import { names } from '../render/names.ts';
import type { ChildCache } from './child-cache.ts';
import { ensureSelfSignedTls, type TlsDecision } from './self-signed-tls.ts';

const field = (s: KubeObject | undefined, key: string): string | undefined => {
  const v = (s?.data as Record<string, string> | undefined)?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
};

export async function selfSignedInputs(
  client: KubeClient,
  cache: ChildCache,
  sf: Storefront,
  namespace: string,
  now: Date,
): Promise<{ tls: NonNullable<RenderInputs['tls']>; decision: TlsDecision }> {
  const n = names(sf);
  // A Secret not in the cache yet may still exist (the watch lags a create): ask before re-issuing.
  const read = async (name: string) =>
    cache.get('Secret', namespace, name) ??
    (await client.tryGet({ apiVersion: 'v1', kind: 'Secret', namespace, name }));
  const leaf = await read(n.tlsSecret);
  const ca = await read(n.tlsCa);
  const existing = {
    caCertificate: field(ca, 'ca.crt'),
    caPrivateKey: field(ca, 'ca.key'),
    certificate: field(leaf, 'tls.crt'),
    privateKey: field(leaf, 'tls.key'),
  };
  const decision = await ensureSelfSignedTls(
    sf.metadata.name,
    frontDoorHosts(sf),
    existing as Record<string, string>,
    now,
  );
  const m = decision.material;
  return {
    decision,
    tls: {
      certificate: m.certificate,
      privateKey: m.privateKey,
      caCertificate: m.caCertificate,
      caPrivateKey: m.caPrivateKey,
      notAfter: decision.notAfter.toISOString(),
    },
  };
}
