// Mode switches keep the old object until its replacement is usable: one pure decision, asked
// before pruning by both the operator (reading its caches) and the deployer (reading with GETs),
// through observeReplacements below. The render only ever describes the target mode, so without
// this a switch would prune what serves the shop before what replaces it works:
// - provider nginx -> gatewayAPI: the Ingress stays while the cluster does not serve the Gateway
//   API or no Gateway has accepted the HTTPRoute yet;
// - tls selfSigned -> certManager: the TLS Secret stays. cert-manager issues into that same Secret
//   (the Certificate's secretName), replacing the old certificate in place once it has one, so the
//   Secret is never pruned in that mode: until the Certificate is Ready the previous certificate
//   keeps serving, afterwards the Secret holds cert-manager's.
// The switches back (gatewayAPI -> nginx, certManager -> selfSigned) need nothing kept: the Ingress
// and the self-signed Secret are written in the same reconcile, before anything is pruned.
import type { Storefront } from '../api/types.ts';
import { type ObjectRef, trueCondition } from '../core/object.ts';
import { names } from '../render/names.ts';
import { childKey, type ObservedChild } from '../status/conditions.ts';
import { apiName, type OptionalKind, ownedKind } from './owned-kinds.ts';
import type { ObjectReader } from './reader.ts';

export interface KeptObject {
  ref: ObjectRef;
  /** What the replacement still waits for, read after "until"; undefined once it is usable (kept for good). */
  waitingFor?: string;
}

const isTrue = (conditions: { type: string; status: string }[] | undefined, type: string) =>
  trueCondition(conditions, type) !== undefined;

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

/**
 * Reads what the decision looks at (the front door of both providers, the TLS Secret and its
 * Certificate) through either reader and decides. `missingApis`: the optional kinds this spec
 * needs that the cluster does not serve (missingOptionalKinds).
 */
export async function observeReplacements(
  reader: ObjectReader,
  sf: Storefront,
  namespace: string,
  missingApis: ReadonlySet<OptionalKind>,
): Promise<KeptObject[]> {
  const n = names(sf);
  const live = new Map<string, ObservedChild>();
  await Promise.all(
    (
      [
        ['Ingress', n.frontDoor],
        ['HTTPRoute', n.frontDoor],
        ['Secret', n.tlsSecret],
        ['Certificate', n.certificate],
      ] as const
    ).map(async ([kind, name]) => {
      const obj = await reader.observed({ apiVersion: ownedKind(kind).apiVersion, kind, namespace, name });
      if (obj) live.set(childKey(kind, name), obj as unknown as ObservedChild);
    }),
  );
  return keptUntilReplaced(sf, live, missingApis, namespace);
}
