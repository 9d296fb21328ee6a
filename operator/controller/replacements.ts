// Mode switches keep the old object until its replacement is usable (pure; the controller asks it
// before pruning). The render only ever describes the target mode, so without this a switch would
// prune what serves the shop before what replaces it works:
// - provider nginx -> gatewayAPI: the Ingress stays while the cluster does not serve the Gateway
//   API or no Gateway has accepted the HTTPRoute yet;
// - tls selfSigned -> certManager: the TLS Secret stays. cert-manager issues into that same Secret
//   (the Certificate's secretName), replacing the old certificate in place once it has one, so the
//   Secret is never pruned in that mode: until the Certificate is Ready the previous certificate
//   keeps serving, afterwards the Secret holds cert-manager's.
// The switches back (gatewayAPI -> nginx, certManager -> selfSigned) need nothing kept: the Ingress
// and the self-signed Secret are written in the same reconcile, before anything is pruned.
import type { Storefront } from '../api/types.ts';
import type { ObjectRef } from '../core/object.ts';
import { apiName, type OptionalKind, ownedKind } from '../observe/owned-kinds.ts';
import { names } from '../render/names.ts';
import { childKey, type ObservedChild } from '../status/conditions.ts';

export interface KeptObject {
  ref: ObjectRef;
  /** What the replacement still waits for, read after "until"; undefined once it is usable (kept for good). */
  waitingFor?: string;
}

const isTrue = (conditions: { type: string; status: string }[] | undefined, type: string) =>
  (conditions ?? []).some((c) => c.type === type && c.status === 'True');

/** The live objects of an earlier mode to keep through this reconcile's prune, and why. */
export function keptUntilReplaced(
  sf: Storefront,
  live: ReadonlyMap<string, ObservedChild>,
  missingApis: ReadonlySet<OptionalKind>,
  namespace: string,
): KeptObject[] {
  const n = names(sf);
  const ref = (kind: string, name: string): ObjectRef => ({
    apiVersion: ownedKind(kind).apiVersion,
    kind,
    namespace,
    name,
  });
  const kept: KeptObject[] = [];

  if (sf.spec.ingress.provider === 'gatewayAPI' && live.has(childKey('Ingress', n.frontDoor))) {
    const route = live.get(childKey('HTTPRoute', n.frontDoor));
    const parents: { conditions?: { type: string; status: string }[] }[] = route?.status?.parents ?? [];
    const waitingFor = missingApis.has('HTTPRoute')
      ? `the cluster serves the Gateway API (${apiName('HTTPRoute')})`
      : !route
        ? `HTTPRoute ${n.frontDoor} exists`
        : !parents.some((p) => isTrue(p.conditions, 'Accepted'))
          ? `a Gateway accepts HTTPRoute ${n.frontDoor}`
          : undefined;
    if (waitingFor) kept.push({ ref: ref('Ingress', n.frontDoor), waitingFor });
  }

  if (sf.spec.ingress.tls.mode === 'certManager' && live.has(childKey('Secret', n.tlsSecret))) {
    const cert = live.get(childKey('Certificate', n.certificate));
    const waitingFor = missingApis.has('Certificate')
      ? `the cluster serves cert-manager (${apiName('Certificate')})`
      : !isTrue(cert?.status?.conditions, 'Ready')
        ? `cert-manager issues Certificate ${n.certificate}`
        : undefined;
    kept.push({ ref: ref('Secret', n.tlsSecret), ...(waitingFor ? { waitingFor } : {}) });
  }
  return kept;
}
