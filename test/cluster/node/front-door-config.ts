// The front-door stand-in's nginx configuration, generated from the rendered Ingress or
// HTTPRoute objects: per host, the TLS Secret it names and the backend Service it routes to.
// It terminates TLS and proxies; it does NOT interpret annotations (rate limits, body size, WAF,
// custom headers) — those stay verified statically against ingress-nginx's documented behaviour.

export type FrontDoorRoute = {
  host: string;
  /** `<namespace>/<secret>` holding tls.crt/tls.key, or undefined for plain HTTP. */
  tlsSecret?: string;
  backend: { namespace: string; service: string; port: number | string };
};

type Ingress = {
  metadata: { namespace: string; name: string };
  spec?: {
    tls?: { hosts?: string[]; secretName?: string }[];
    rules?: {
      host?: string;
      http?: {
        paths?: {
          path?: string;
          backend?: { service?: { name: string; port?: { name?: string; number?: number } } };
        }[];
      };
    }[];
  };
};

type HttpRoute = {
  metadata: { namespace: string; name: string };
  spec?: {
    parentRefs?: { name: string; namespace?: string; sectionName?: string; kind?: string }[];
    hostnames?: string[];
    rules?: { backendRefs?: { name: string; namespace?: string; port?: number }[] }[];
  };
};

type Gateway = {
  metadata: { namespace: string; name: string };
  spec?: {
    listeners?: {
      name: string;
      protocol: string;
      hostname?: string;
      tls?: { certificateRefs?: { name: string; namespace?: string; kind?: string; group?: string }[] };
    }[];
  };
};

type ReferenceGrant = {
  metadata: { namespace: string };
  spec?: {
    from?: { group: string; kind: string; namespace: string }[];
    to?: { group: string; kind: string; name?: string }[];
  };
};

/** Whether a listener's hostname (exact, `*.suffix` or absent = any) admits `host`. */
function listenerAdmits(hostname: string | undefined, host: string): boolean {
  if (!hostname) return true;
  if (hostname.startsWith('*.')) return host.endsWith(hostname.slice(1)) && host.length > hostname.length - 1;
  return hostname === host;
}

/**
 * The certificate a route's host is served with, as a Gateway does it: the HTTPS listener of the
 * Gateway the route's parentRef names (and its sectionName, when given) that admits the host; a
 * certificate in another namespace only when a ReferenceGrant there allows that Gateway's
 * namespace to read it (otherwise the host is not served over TLS, as a conformant Gateway refuses
 * the reference). `<namespace>/<secret>`, or undefined.
 */
export function gatewayTls(
  gateways: Gateway[],
  grants: ReferenceGrant[],
): (host: string, route: HttpRoute) => string | undefined {
  const granted = (from: string, to: string, secret: string) =>
    grants.some(
      (g) =>
        g.metadata.namespace === to &&
        (g.spec?.from ?? []).some(
          (f) => f.group === 'gateway.networking.k8s.io' && f.kind === 'Gateway' && f.namespace === from,
        ) &&
        (g.spec?.to ?? []).some(
          (t) => t.group === '' && t.kind === 'Secret' && (!t.name || t.name === secret),
        ),
    );
  return (host, route) => {
    for (const parent of route.spec?.parentRefs ?? []) {
      if (parent.kind && parent.kind !== 'Gateway') continue;
      const gwNs = parent.namespace ?? route.metadata.namespace;
      const gw = gateways.find((g) => g.metadata.name === parent.name && g.metadata.namespace === gwNs);
      for (const l of gw?.spec?.listeners ?? []) {
        if (l.protocol !== 'HTTPS' || (parent.sectionName && l.name !== parent.sectionName)) continue;
        if (!listenerAdmits(l.hostname, host)) continue;
        const ref = l.tls?.certificateRefs?.[0];
        if (!ref || (ref.kind && ref.kind !== 'Secret') || (ref.group && ref.group !== '')) continue;
        const ns = ref.namespace ?? gwNs;
        if (ns !== gwNs && !granted(gwNs, ns, ref.name)) continue;
        return `${ns}/${ref.name}`;
      }
    }
    return undefined;
  };
}

/** Routes of Ingresses: the `/` path's backend of each rule's host, the TLS entry naming that host. */
export function routesFromIngresses(ingresses: Ingress[]): FrontDoorRoute[] {
  const out: FrontDoorRoute[] = [];
  for (const ing of ingresses) {
    const ns = ing.metadata.namespace;
    for (const rule of ing.spec?.rules ?? []) {
      if (!rule.host) continue;
      const path = rule.http?.paths?.find((p) => (p.path ?? '/') === '/') ?? rule.http?.paths?.[0];
      const svc = path?.backend?.service;
      if (!svc) continue;
      const tls = ing.spec?.tls?.find((t) => t.hosts?.includes(rule.host!) && t.secretName);
      out.push({
        host: rule.host,
        ...(tls ? { tlsSecret: `${ns}/${tls.secretName}` } : {}),
        backend: { namespace: ns, service: svc.name, port: svc.port?.number ?? svc.port?.name ?? 80 },
      });
    }
  }
  return out;
}

/**
 * Routes of HTTPRoutes; the certificate is the one the Gateway's HTTPS listener names, given
 * here as `tlsSecretFor(host, route)` by the caller that read the Gateways (see gatewayTls).
 */
export function routesFromHttpRoutes(
  routes: HttpRoute[],
  tlsSecretFor: (host: string, route: HttpRoute) => string | undefined,
): FrontDoorRoute[] {
  const out: FrontDoorRoute[] = [];
  for (const route of routes) {
    const ref = route.spec?.rules?.[0]?.backendRefs?.[0];
    if (!ref) continue;
    for (const host of route.spec?.hostnames ?? []) {
      const tlsSecret = tlsSecretFor(host, route);
      out.push({
        host,
        ...(tlsSecret ? { tlsSecret } : {}),
        backend: {
          namespace: ref.namespace ?? route.metadata.namespace,
          service: ref.name,
          port: ref.port ?? 80,
        },
      });
    }
  }
  return out;
}

/** The file name a TLS Secret's certificate and key get in the stand-in's directory. */
export const certFile = (secret: string) => secret.replace('/', '_');

/** nginx.conf for the routes; `dir` holds `<ns>_<secret>.crt/.key` (written by the sync). */
export function nginxConfig(routes: FrontDoorRoute[], dir: string, dnsIp: string): string {
  const servers = routes.map((r) => {
    if (typeof r.backend.port !== 'number')
      throw new Error(
        `front door: ${r.host}: resolve the Service port name ${r.backend.port} to a number first`,
      );
    const upstream = `http://${r.backend.service}.${r.backend.namespace}.svc.cluster.local:${r.backend.port}`;
    const proxy = [
      `        location / {`,
      // A variable makes nginx resolve per request (through CoreDNS), so a Service that does
      // not exist yet does not fail the whole configuration.
      `            set $backend ${upstream};`,
      '            proxy_pass $backend;',
      '            proxy_http_version 1.1;',
      '            proxy_set_header Host $host;',
      '            proxy_set_header X-Forwarded-For $remote_addr;',
      '            proxy_set_header X-Forwarded-Proto $scheme;',
      '            proxy_set_header Connection "";',
      '            proxy_next_upstream error timeout http_502 http_503;',
      '        }',
    ];
    const tls = r.tlsSecret
      ? [
          `    server {`,
          `        listen 8443 ssl;`,
          `        server_name ${r.host};`,
          `        ssl_certificate ${dir}/${certFile(r.tlsSecret)}.crt;`,
          `        ssl_certificate_key ${dir}/${certFile(r.tlsSecret)}.key;`,
          '        ssl_protocols TLSv1.2 TLSv1.3;',
          ...proxy,
          '    }',
          // Like ingress-nginx with TLS: plain HTTP is redirected.
          `    server {`,
          `        listen 8080;`,
          `        server_name ${r.host};`,
          '        return 308 https://$host$request_uri;',
          '    }',
        ]
      : [`    server {`, `        listen 8080;`, `        server_name ${r.host};`, ...proxy, '    }'];
    return tls.join('\n');
  });
  return `# Generated by test/cluster/node/front-door-config.ts from the rendered Ingress/HTTPRoute objects.
# A stand-in for the ingress controller: TLS termination and proxying only; no annotation is read.
worker_processes 1;
pid /tmp/nginx.pid;
error_log stderr warn;
events { worker_connections 512; }
http {
    access_log off;
    client_body_temp_path /tmp/client_body;
    proxy_temp_path /tmp/proxy;
    fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi;
    scgi_temp_path /tmp/scgi;
    resolver ${dnsIp} valid=5s ipv6=off;
    resolver_timeout 5s;
    server {
        listen 8080 default_server;
        listen 8443 ssl default_server;
        ssl_reject_handshake on;
        location = /healthz { return 200 "ok\\n"; }
        location / { return 404; }
    }
${servers.join('\n')}
}
`;
}
