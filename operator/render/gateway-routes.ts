// The Gateway API front door: the shop's HTTPRoute, with TLS on a second HTTPRoute on the
// plain-HTTP listener that answers 301 to https (what ingress-nginx's ssl-redirect does), and a
// ReferenceGrant that lets a Gateway in another namespace use the shop's TLS Secret.

import type { Storefront } from '../api/types.ts';
import { frontDoorHosts } from './front-door.ts';
import { names } from './names.ts';
import type { Objects } from './objects.ts';

const GATEWAY_GROUP = 'gateway.networking.k8s.io';
type Meta = { name: string; labels: Record<string, string> };

/**
 * Where a route attaches on each Gateway. With TLS on, an unnamed listener is chosen by port
 * (443 for the shop, 80 for the redirect) so the shop route never also answers plain HTTP.
 */
function parentRefs(sf: Storefront, listener: 'https' | 'http') {
  const tlsOn = sf.spec.ingress.tls.mode !== 'none';
  return sf.spec.ingress.gateway!.parentRefs.map((p) => {
    const section = listener === 'https' ? p.sectionName : p.redirectSectionName;
    return {
      group: GATEWAY_GROUP,
      kind: 'Gateway',
      name: p.name,
      ...(p.namespace ? { namespace: p.namespace } : {}),
      ...(section ? { sectionName: section } : tlsOn ? { port: listener === 'https' ? 443 : 80 } : {}),
    };
  });
}

export function renderGatewayRoutes(
  out: Objects,
  sf: Storefront,
  namespace: string,
  meta: Meta,
  hsts: string | undefined,
): void {
  const n = names(sf);
  const hsf = hsts
    ? {
        filters: [
          {
            type: 'ResponseHeaderModifier',
            responseHeaderModifier: { set: [{ name: 'Strict-Transport-Security', value: hsts }] },
          },
        ],
      }
    : {};
  out.addCustom({
    apiVersion: `${GATEWAY_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: meta,
    spec: {
      parentRefs: parentRefs(sf, 'https'),
      hostnames: frontDoorHosts(sf),
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          ...hsf,
          backendRefs: [{ name: n.app, port: 80 }],
        },
      ],
    },
  });
  if (sf.spec.ingress.tls.mode === 'none') return;

  out.addCustom({
    apiVersion: `${GATEWAY_GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { ...meta, name: n.httpsRedirect },
    spec: {
      parentRefs: parentRefs(sf, 'http'),
      hostnames: frontDoorHosts(sf),
      rules: [
        { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
      ],
    },
  });

  // A Gateway may only read a Secret of another namespace that grants it (Gateway API
  // ReferenceGrant); only the shop's TLS Secret is granted, only to the Gateways' namespaces.
  const foreign = [...new Set(sf.spec.ingress.gateway!.parentRefs.map((p) => p.namespace ?? namespace))]
    .filter((ns) => ns !== namespace)
    .sort();
  if (foreign.length === 0) return;
  out.addCustom({
    apiVersion: `${GATEWAY_GROUP}/v1beta1`,
    kind: 'ReferenceGrant',
    metadata: { ...meta, name: n.gatewayTlsGrant },
    spec: {
      from: foreign.map((ns) => ({ group: GATEWAY_GROUP, kind: 'Gateway', namespace: ns })),
      to: [{ group: '', kind: 'Secret', name: n.tlsSecret }],
    },
  });
}

/**
 * What provider gatewayAPI leaves to the Gateway: said by `template` and IngressReady, so a move
 * off ingress-nginx does not drop its default limits in silence (setting them is refused).
 */
export const GATEWAY_LIMITS_NOTE =
  "rate and body-size limits are the Gateway's to enforce (an HTTPRoute has no such fields): set them on its implementation";
