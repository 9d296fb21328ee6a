// selfSigned TLS: read the live CA and leaf, renew or issue when needed, hand the result to render.
import type { Storefront } from '../api/types.ts';
import type { KubeObject, ObjectRef } from '../core/object.ts';
import { isAlreadyExists } from '../kube/errors.ts';
import { frontDoorHosts } from '../render/front-door.ts';
import type { RenderInputs } from '../render/inputs.ts';
import { names } from '../render/names.ts';
import { renderTlsSecrets } from '../render/render.ts';
import { type EnsureCredentialsOptions, secretValue } from './credentials.ts';
import type { ObjectReader } from './reader.ts';
import { ensureSelfSignedTls, type TlsDecision } from './self-signed-tls.ts';

/**
 * How a first certificate is written when the reader's watches know both Secret names are free:
 * created here with POST (fails when either exists after all) instead of applied after the render.
 */
export interface CreateIssued extends EnsureCredentialsOptions {
  /** Marks a created Secret as the caller's (ownerReference, applied hash). */
  owner: (obj: KubeObject) => KubeObject;
}

export interface SelfSignedInputs {
  tls: NonNullable<RenderInputs['tls']>;
  decision: TlsDecision;
  /** The CA and leaf Secrets created here with POST, as the API server returned them. */
  created: KubeObject[];
}

export async function selfSignedInputs(
  reader: ObjectReader,
  sf: Storefront,
  namespace: string,
  now: Date,
  create?: CreateIssued,
): Promise<SelfSignedInputs> {
  const n = names(sf);
  const secret = (name: string): ObjectRef => ({ apiVersion: 'v1', kind: 'Secret', namespace, name });
  // What is known to exist already needs no second read below.
  let known: { leaf?: KubeObject | undefined; ca?: KubeObject | undefined } = {};
  if (create) {
    // A new Storefront: neither name is held by anyone (the watches say so without a request), so
    // nothing can be re-issued by mistake; a CA and leaf are issued and created with POST, which
    // refuses to replace one that exists after all (a watch lagging our own create).
    const [leaf, ca] = await Promise.all([
      reader.beforeCreate(secret(n.tlsSecret)),
      reader.beforeCreate(secret(n.tlsCa)),
    ]);
    known = { leaf, ca };
    if (!leaf && !ca) {
      const issued = await decide(sf, undefined, undefined, now);
      const objects = renderTlsSecrets(sf, { namespace, credentials: {}, tls: issued.tls });
      const results = await Promise.allSettled(
        objects.map((o) =>
          reader.client.create(create.owner(o), {
            fieldManager: create.fieldManager,
            ...(create.dryRun ? { dryRun: true } : {}),
          }),
        ),
      );
      const refused = results.find((r) => r.status === 'rejected');
      if (!refused) {
        return { ...issued, created: results.map((r) => (r as PromiseFulfilledResult<KubeObject>).value) };
      }
      if (!isAlreadyExists(refused.reason)) throw refused.reason;
      // One of them exists: decide from what is stored, as below. A CA created just now and a
      // leaf that was there are read back; the leaf is re-issued if it does not fit, the CA kept.
    }
  }
  // A Secret not in the cache yet may still exist (the watch lags a create): ask before re-issuing.
  const read = (name: string) => reader.confirmed(secret(name));
  const [leaf, ca] = await Promise.all([known.leaf ?? read(n.tlsSecret), known.ca ?? read(n.tlsCa)]);
  return { ...(await decide(sf, leaf, ca, now)), created: [] };
}

async function decide(
  sf: Storefront,
  leaf: KubeObject | undefined,
  ca: KubeObject | undefined,
  now: Date,
): Promise<Omit<SelfSignedInputs, 'created'>> {
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
