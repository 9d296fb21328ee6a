// selfSigned TLS: read the live CA and leaf, renew or issue when needed, hand the result to render.
import type { Storefront } from '../api/types.ts';
import { frontDoorHosts } from '../render/front-door.ts';
import type { RenderInputs } from '../render/inputs.ts';
import { names } from '../render/names.ts';
import { secretValue } from './credentials.ts';
import type { ObjectReader } from './reader.ts';
import { ensureSelfSignedTls, type TlsDecision } from './self-signed-tls.ts';

export async function selfSignedInputs(
  reader: ObjectReader,
  sf: Storefront,
  namespace: string,
  now: Date,
): Promise<{ tls: NonNullable<RenderInputs['tls']>; decision: TlsDecision }> {
  const n = names(sf);
  // A Secret not in the cache yet may still exist (the watch lags a create): ask before re-issuing.
  const read = (name: string) => reader.confirmed({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  const [leaf, ca] = await Promise.all([read(n.tlsSecret), read(n.tlsCa)]);
  const existing = {
    caCertificate: secretValue(ca, 'ca.crt'),
    caPrivateKey: secretValue(ca, 'ca.key'),
    certificate: secretValue(leaf, 'tls.crt'),
    privateKey: secretValue(leaf, 'tls.key'),
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
