import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront } from '../api/validate.ts';
import { computeStatus, type Observed, type ObservedChild } from '../status/conditions.ts';
import { keptUntilReplaced } from './replacements.ts';

const sf = (spec: Record<string, unknown>): Storefront => ({
  ...parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop' },
    spec: { host: 'shop.example.com', ...spec },
  }),
  metadata: { name: 'shop', namespace: 'ns', generation: 2 },
});

const gateway = {
  ingress: { provider: 'gatewayAPI', gateway: { parentRefs: [{ name: 'edge', namespace: 'gw' }] } },
};
const certManager = {
  ingress: { tls: { mode: 'certManager', issuerRef: { name: 'le' } } },
};

const live = (entries: [string, ObservedChild][]) => new Map<string, ObservedChild>(entries);
const ingress: [string, ObservedChild] = ['Ingress/shop', { metadata: { name: 'shop' } }];
const tlsSecret: [string, ObservedChild] = ['Secret/shop-tls', { metadata: { name: 'shop-tls' } }];
const route = (accepted: boolean): [string, ObservedChild] => [
  'HTTPRoute/shop',
  {
    metadata: { name: 'shop' },
    status: accepted
      ? { parents: [{ conditions: [{ type: 'Accepted', status: 'True' }] }] }
      : { parents: [{ conditions: [{ type: 'Accepted', status: 'False' }] }] },
  },
];
const certificate = (ready: boolean): [string, ObservedChild] => [
  'Certificate/shop-tls',
  {
    metadata: { name: 'shop-tls' },
    status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', message: 'ordering' }] },
  },
];
const INGRESS_REF = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', namespace: 'ns', name: 'shop' };
const SECRET_REF = { apiVersion: 'v1', kind: 'Secret', namespace: 'ns', name: 'shop-tls' };

describe('keeping the old object through a mode switch', () => {
  it('when the provider becomes gatewayAPI on a cluster without the Gateway API, then the Ingress is kept and says what it waits for', () => {
    expect(keptUntilReplaced(sf(gateway), live([ingress]), new Set(['HTTPRoute']), 'ns')).toEqual([
      {
        ref: INGRESS_REF,
        waitingFor: 'the cluster serves the Gateway API (gateway.networking.k8s.io/v1 HTTPRoute)',
      },
    ]);
  });

  it('when the HTTPRoute exists but no Gateway accepted it, then the Ingress is kept; once accepted it goes', () => {
    expect(keptUntilReplaced(sf(gateway), live([ingress]), new Set(), 'ns')).toEqual([
      { ref: INGRESS_REF, waitingFor: 'HTTPRoute shop exists' },
    ]);
    expect(keptUntilReplaced(sf(gateway), live([ingress, route(false)]), new Set(), 'ns')).toEqual([
      { ref: INGRESS_REF, waitingFor: 'a Gateway accepts HTTPRoute shop' },
    ]);
    expect(keptUntilReplaced(sf(gateway), live([ingress, route(true)]), new Set(), 'ns')).toEqual([]);
  });

  it('when tls becomes certManager, then the TLS Secret is kept while cert-manager has not issued, and afterwards as its output', () => {
    expect(keptUntilReplaced(sf(certManager), live([tlsSecret]), new Set(['Certificate']), 'ns')).toEqual([
      {
        ref: SECRET_REF,
        waitingFor: 'the cluster serves cert-manager (cert-manager.io/v1 Certificate)',
      },
    ]);
    expect(
      keptUntilReplaced(sf(certManager), live([tlsSecret, certificate(false)]), new Set(), 'ns'),
    ).toEqual([{ ref: SECRET_REF, waitingFor: 'cert-manager issues Certificate shop-tls' }]);
    // Issued: cert-manager wrote its certificate into that same Secret; pruning it would drop it.
    expect(keptUntilReplaced(sf(certManager), live([tlsSecret, certificate(true)]), new Set(), 'ns')).toEqual(
      [{ ref: SECRET_REF }],
    );
  });

  it('when the switch goes back (or nothing of the old mode is live), then nothing is kept', () => {
    // nginx and selfSigned render the Ingress and the Secret themselves: nothing to keep.
    expect(
      keptUntilReplaced(
        sf({}),
        live([ingress, route(false), tlsSecret, certificate(false)]),
        new Set(),
        'ns',
      ),
    ).toEqual([]);
    expect(keptUntilReplaced(sf(gateway), live([route(false)]), new Set(), 'ns')).toEqual([]);
    expect(keptUntilReplaced(sf(certManager), live([certificate(false)]), new Set(), 'ns')).toEqual([]);
  });

  it('when objects are kept, then IngressReady and TLSReady say what is still serving and what it waits for', () => {
    const spec = sf({ ...gateway, ingress: { ...gateway.ingress, ...certManager.ingress } });
    const children = live([ingress, route(false), tlsSecret, certificate(false)]);
    const kept = keptUntilReplaced(spec, children, new Set(), 'ns');
    const observed: Observed = {
      children,
      missingApis: new Set(),
      missingSecrets: [],
      keptUntilReplaced: kept.flatMap((k) =>
        k.waitingFor ? [{ kind: k.ref.kind, name: k.ref.name, waitingFor: k.waitingFor }] : [],
      ),
    };
    const conditions = computeStatus(spec, observed, new Date(0)).conditions!;
    const byType = (t: string) => conditions.find((c) => c.type === t)!;
    expect(byType('IngressReady')).toMatchObject({
      status: 'True',
      reason: 'WaitingForGateway',
      message: expect.stringContaining(
        'Ingress shop keeps serving the shop until a Gateway accepts HTTPRoute shop',
      ),
    });
    expect(byType('TLSReady')).toMatchObject({
      status: 'False',
      reason: 'Issuing',
      message:
        'Certificate shop-tls: ordering; Secret shop-tls keeps serving the shop until cert-manager issues Certificate shop-tls',
    });
  });
});
