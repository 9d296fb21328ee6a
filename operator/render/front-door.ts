// The front door (load balancer + web server): an Ingress for ingress-nginx, or a Gateway API
// HTTPRoute. ingress-nginx is configured through annotations only — never a snippet annotation.
import { applyDefaults } from '../api/schema.ts';
import { DEFAULT_BODY_SIZE_LIMIT, rateLimit as rateLimitSchema } from '../api/storefront-schema.ts';
import type { Storefront, StorefrontSpec } from '../api/types.ts';
import { renderGatewayRoutes } from './gateway-routes.ts';
import * as k8s from './k8s.ts';
import { labels, names } from './names.ts';
import type { Objects } from './objects.ts';

const NGINX = 'nginx.ingress.kubernetes.io';

export function hstsValue(sf: Storefront): string | undefined {
  const { tls, hsts } = sf.spec.ingress;
  if (tls.mode === 'none' || !hsts.enabled) return undefined;
  return `max-age=${hsts.maxAgeSeconds}${hsts.includeSubdomains ? '; includeSubDomains' : ''}`;
}

export function frontDoorHosts(sf: Storefront): string[] {
  return sf.spec.cdn.originHost ? [sf.spec.host, sf.spec.cdn.originHost] : [sf.spec.host];
}

type RateLimit = NonNullable<StorefrontSpec['ingress']['rateLimit']>;
/** The rate limit provider nginx applies when ingress.rateLimit is unset: its fields' defaults. */
export const DEFAULT_RATE_LIMIT = applyDefaults(rateLimitSchema, {}) as RateLimit;

/** Annotations for ingress-nginx, in a stable order. */
export function nginxAnnotations(sf: Storefront, namespace: string): Record<string, string> {
  const { ingress } = sf.spec;
  const n = names(sf);
  const a: Record<string, string> = {};
  if (ingress.tls.mode !== 'none') {
    a[`${NGINX}/ssl-redirect`] = 'true';
    a[`${NGINX}/force-ssl-redirect`] = 'true';
  }
  a[`${NGINX}/proxy-body-size`] = ingress.bodySizeLimit ?? DEFAULT_BODY_SIZE_LIMIT;
  const rateLimit = ingress.rateLimit ?? DEFAULT_RATE_LIMIT;
  if (rateLimit.requestsPerSecond > 0) {
    // Excess requests get 429 when the controller sets `limit-req-status-code: "429"` (README).
    a[`${NGINX}/limit-rps`] = String(rateLimit.requestsPerSecond);
    a[`${NGINX}/limit-burst-multiplier`] = String(rateLimit.burstMultiplier);
  }
  if (rateLimit.connections > 0) a[`${NGINX}/limit-connections`] = String(rateLimit.connections);
  if (ingress.waf.enabled) {
    a[`${NGINX}/enable-modsecurity`] = 'true';
    a[`${NGINX}/enable-owasp-core-rules`] = 'true';
    a[`${NGINX}/modsecurity-transaction-id`] = '$request_id';
  }
  // Per-host response headers without snippets: a ConfigMap named by the custom-headers annotation.
  if (hstsValue(sf)) a[`${NGINX}/custom-headers`] = `${namespace}/${n.responseHeaders}`;
  return a;
}

export function renderFrontDoor(out: Objects, sf: Storefront, namespace: string): void {
  const n = names(sf);
  const meta = { name: n.frontDoor, labels: labels(sf, 'front-door', 'storefront-front-door', 'v1') };
  const backend = { service: { name: n.app, port: { name: 'http' } } };
  const hsts = hstsValue(sf);

  if (sf.spec.ingress.provider === 'gatewayAPI') {
    renderGatewayRoutes(out, sf, namespace, meta, hsts);
    return;
  }

  if (hsts) {
    out.add(k8s.ConfigMap, {
      metadata: { name: n.responseHeaders, labels: meta.labels },
      data: { 'Strict-Transport-Security': hsts },
    });
  }
  const rules: k8s.IngressRule[] = [
    { host: sf.spec.host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } },
  ];
  if (sf.spec.cdn.originHost) {
    rules.push({
      host: sf.spec.cdn.originHost,
      http: { paths: [{ path: '/static', pathType: 'Prefix', backend }] },
    });
  }
  out.add(k8s.Ingress, {
    metadata: { ...meta, annotations: nginxAnnotations(sf, namespace) },
    spec: {
      ingressClassName: sf.spec.ingress.className,
      ...(sf.spec.ingress.tls.mode !== 'none'
        ? { tls: [{ hosts: frontDoorHosts(sf), secretName: n.tlsSecret }] }
        : {}),
      rules,
    },
  });
}
