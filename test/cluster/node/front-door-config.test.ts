import { describe, expect, it } from 'vitest';
import { gatewayTls, nginxConfig, routesFromHttpRoutes, routesFromIngresses } from './front-door-config.ts';

const ingress = {
  metadata: { namespace: 'shop-ns', name: 'shop' },
  spec: {
    tls: [{ hosts: ['shop.example.com'], secretName: 'shop-tls' }],
    rules: [
      {
        host: 'shop.example.com',
        http: { paths: [{ path: '/', backend: { service: { name: 'shop-app', port: { name: 'http' } } } }] },
      },
      {
        host: 'origin.example.com',
        http: {
          paths: [{ path: '/static', backend: { service: { name: 'shop-app', port: { number: 80 } } } }],
        },
      },
    ],
  },
};

describe('front-door stand-in configuration', () => {
  it('when an Ingress names hosts, TLS and a backend, then each host routes to its Service with the Secret that covers it', () => {
    expect(routesFromIngresses([ingress])).toEqual([
      {
        host: 'shop.example.com',
        tlsSecret: 'shop-ns/shop-tls',
        backend: { namespace: 'shop-ns', service: 'shop-app', port: 'http' },
      },
      { host: 'origin.example.com', backend: { namespace: 'shop-ns', service: 'shop-app', port: 80 } },
    ]);
  });

  it('when an HTTPRoute names hostnames, then its first backend serves them with the Gateway listener certificate', () => {
    const route = {
      metadata: { namespace: 'gw-shop', name: 'shop' },
      spec: { hostnames: ['gw.example.com'], rules: [{ backendRefs: [{ name: 'shop-app', port: 80 }] }] },
    };
    expect(
      routesFromHttpRoutes([route], (h) => (h === 'gw.example.com' ? 'infra/gw-cert' : undefined)),
    ).toEqual([
      {
        host: 'gw.example.com',
        tlsSecret: 'infra/gw-cert',
        backend: { namespace: 'gw-shop', service: 'shop-app', port: 80 },
      },
    ]);
  });

  it('when an HTTPRoute attaches to a Gateway listener, then the host gets that listener certificate, across namespaces only with a ReferenceGrant', () => {
    const route = {
      metadata: { namespace: 'shop', name: 'shop' },
      spec: {
        parentRefs: [{ name: 'public', namespace: 'gateway-system', sectionName: 'https' }],
        hostnames: ['shop.example.com'],
        rules: [{ backendRefs: [{ name: 'shop-app', port: 80 }] }],
      },
    };
    const listener = (name: string, hostname: string | undefined, secret: string, ns?: string) => ({
      name,
      protocol: 'HTTPS',
      ...(hostname ? { hostname } : {}),
      tls: {
        certificateRefs: [{ kind: 'Secret', group: '', name: secret, ...(ns ? { namespace: ns } : {}) }],
      },
    });
    const gateways = [
      // Another Gateway with a matching listener: not the route's parent, never used.
      {
        metadata: { namespace: 'other', name: 'public' },
        spec: { listeners: [listener('https', 'shop.example.com', 'wrong')] },
      },
      {
        metadata: { namespace: 'gateway-system', name: 'public' },
        spec: {
          listeners: [
            listener('admin', 'shop.example.com', 'not-this-section'),
            listener('https', '*.example.com', 'shop-tls', 'shop'),
          ],
        },
      },
    ];
    const grant = {
      metadata: { namespace: 'shop' },
      spec: {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gateway-system' }],
        to: [{ group: '', kind: 'Secret', name: 'shop-tls' }],
      },
    };
    expect(gatewayTls(gateways, [grant])('shop.example.com', route)).toBe('shop/shop-tls');
    // Without the grant a conformant Gateway refuses the cross-namespace reference.
    expect(gatewayTls(gateways, [])('shop.example.com', route)).toBeUndefined();
    // The listener's wildcard admits one more label only at the end, not another domain.
    expect(gatewayTls(gateways, [grant])('shop.example.org', route)).toBeUndefined();
    expect(routesFromHttpRoutes([route], gatewayTls(gateways, [grant]))).toEqual([
      {
        host: 'shop.example.com',
        tlsSecret: 'shop/shop-tls',
        backend: { namespace: 'shop', service: 'shop-app', port: 80 },
      },
    ]);
  });

  it('when routes are rendered, then TLS hosts terminate with their certificate, plain HTTP redirects, and no annotation is read', () => {
    const conf = nginxConfig(
      [
        {
          host: 'shop.example.com',
          tlsSecret: 'shop-ns/shop-tls',
          backend: { namespace: 'shop-ns', service: 'shop-app', port: 80 },
        },
      ],
      '/run/front-door',
      '10.96.0.10',
    );
    expect(conf).toContain('server_name shop.example.com;');
    expect(conf).toContain('ssl_certificate /run/front-door/shop-ns_shop-tls.crt;');
    expect(conf).toContain('set $backend http://shop-app.shop-ns.svc.cluster.local:80;');
    expect(conf).toContain('return 308 https://$host$request_uri;');
    expect(conf).toContain('resolver 10.96.0.10');
    expect(conf).not.toMatch(/limit_req|client_max_body_size|modsecurity/);
  });

  it('when a Service port is still a name, then rendering refuses and says to resolve it', () => {
    expect(() =>
      nginxConfig(
        [{ host: 'a.example.com', backend: { namespace: 'n', service: 's', port: 'http' } }],
        '/d',
        '10.96.0.10',
      ),
    ).toThrow(/resolve the Service port name http/);
  });
});
