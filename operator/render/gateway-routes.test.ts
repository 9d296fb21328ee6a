import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront, validateStorefront } from '../api/validate.ts';
import type { KubeObject } from '../core/object.ts';
import { render } from './render.ts';
import { fixedInputs } from './testdata/fixtures.ts';

const doc = (ingress: Record<string, unknown>) => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name: 'shop', namespace: 'shops' },
  spec: { host: 'shop.example.com', ingress: { provider: 'gatewayAPI', ...ingress } },
});
const sf = (ingress: Record<string, unknown>): Storefront => parseStorefront(doc(ingress));
const objects = (s: Storefront): KubeObject[] => render(s, fixedInputs(s));
const named = (list: KubeObject[], kind: string, name: string): any =>
  list.find((o) => o.kind === kind && o.metadata.name === name);

const SELF_SIGNED = { tls: { mode: 'selfSigned' } };

describe('render: Gateway API front door', () => {
  it('when TLS is on, then the shop route attaches by port 443 and a redirect route on port 80 answers 301 to https', () => {
    const list = objects(sf({ ...SELF_SIGNED, gateway: { parentRefs: [{ name: 'gw' }] } }));
    const shop = named(list, 'HTTPRoute', 'shop');
    expect(shop.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', port: 443 },
    ]);
    const redirect = named(list, 'HTTPRoute', 'shop-https-redirect');
    expect(redirect.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', port: 80 }],
      hostnames: ['shop.example.com'],
      rules: [
        { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] },
      ],
    });
    // The redirect route has no backend: nothing is served over plain HTTP.
    expect(JSON.stringify(redirect)).not.toContain('backendRefs');
  });

  it('when sectionName and redirectSectionName are set, then each route attaches to its named listener', () => {
    const list = objects(
      sf({
        ...SELF_SIGNED,
        gateway: { parentRefs: [{ name: 'gw', sectionName: 'websecure', redirectSectionName: 'web' }] },
      }),
    );
    expect(named(list, 'HTTPRoute', 'shop').spec.parentRefs[0]).toMatchObject({ sectionName: 'websecure' });
    expect(named(list, 'HTTPRoute', 'shop').spec.parentRefs[0].port).toBeUndefined();
    expect(named(list, 'HTTPRoute', 'shop-https-redirect').spec.parentRefs[0]).toMatchObject({
      sectionName: 'web',
    });
  });

  it('when TLS is off, then there is one route, attached without a port, and no redirect or grant', () => {
    const list = objects(
      sf({ tls: { mode: 'none' }, gateway: { parentRefs: [{ name: 'gw', namespace: 'edge' }] } }),
    );
    expect(list.filter((o) => o.kind === 'HTTPRoute').map((o) => o.metadata.name)).toEqual(['shop']);
    expect(named(list, 'HTTPRoute', 'shop').spec.parentRefs[0].port).toBeUndefined();
    expect(list.some((o) => o.kind === 'ReferenceGrant')).toBe(false);
  });

  it('when Gateways live in other namespaces, then one ReferenceGrant lets exactly those read exactly the TLS Secret', () => {
    const list = objects(
      sf({
        ...SELF_SIGNED,
        gateway: {
          parentRefs: [
            { name: 'a', namespace: 'edge' },
            { name: 'b', namespace: 'shops' },
            { name: 'c', namespace: 'edge' },
            { name: 'd', namespace: 'dmz' },
          ],
        },
      }),
    );
    const grant = named(list, 'ReferenceGrant', 'shop-gateway-tls');
    expect(grant.metadata.namespace).toBe('shops');
    expect(grant.spec).toEqual({
      from: [
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'dmz' },
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'edge' },
      ],
      to: [{ group: '', kind: 'Secret', name: 'shop-tls' }],
    });
  });

  it('when every Gateway is in the shop namespace, then no ReferenceGrant is rendered', () => {
    const list = objects(
      sf({ ...SELF_SIGNED, gateway: { parentRefs: [{ name: 'gw', namespace: 'shops' }] } }),
    );
    expect(list.some((o) => o.kind === 'ReferenceGrant')).toBe(false);
  });

  it('when rateLimit or bodySizeLimit is set explicitly, then the CLI refuses it naming the field; nginx keeps its defaults', () => {
    const gw = { gateway: { parentRefs: [{ name: 'gw' }] } };
    const paths = (ingress: Record<string, unknown>) => validateStorefront(doc(ingress)).map((e) => e.path);
    expect(paths({ ...gw, rateLimit: { connections: 5 } })).toEqual(['spec.ingress.rateLimit']);
    expect(paths({ ...gw, bodySizeLimit: '1m' })).toEqual(['spec.ingress.bodySizeLimit']);
    expect(paths(gw)).toEqual([]);
    const nginx = parseStorefront({ ...doc({}), spec: { host: 'shop.example.com' } });
    const ingress = named(objects(nginx), 'Ingress', 'shop');
    expect(ingress.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-body-size': '1m',
      'nginx.ingress.kubernetes.io/limit-rps': '20',
      'nginx.ingress.kubernetes.io/limit-burst-multiplier': '5',
    });
  });
});
