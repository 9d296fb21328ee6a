import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront } from '../api/validate.ts';
import { names } from '../render/names.ts';
import { computeStatus, type ObservedChild, statusChanged } from './conditions.ts';

const sf = (spec: Record<string, unknown> = {}, generation = 3): Storefront => ({
  ...parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop' },
    spec: { host: 'shop.example.com', ...spec },
  }),
  metadata: { name: 'shop', namespace: 'ns', generation },
});

const JOB = names(sf()).migration;

const healthy = (): Map<string, ObservedChild> =>
  new Map<string, ObservedChild>([
    [
      'StatefulSet/shop-postgres',
      {
        metadata: { name: 'shop-postgres', generation: 1 },
        status: { observedGeneration: 1, readyReplicas: 1 },
      },
    ],
    [
      'PersistentVolumeClaim/data-shop-postgres-0',
      { metadata: { name: 'data-shop-postgres-0' }, status: { phase: 'Bound' } },
    ],
    [
      'Deployment/shop-redis',
      {
        metadata: { name: 'shop-redis', generation: 1 },
        spec: { replicas: 1 },
        status: { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1 },
      },
    ],
    [
      'Deployment/shop-app',
      {
        metadata: { name: 'shop-app', generation: 2 },
        spec: { replicas: 2 },
        status: { observedGeneration: 2, updatedReplicas: 2, availableReplicas: 2 },
      },
    ],
    [`Job/${JOB}`, { metadata: { name: JOB }, status: { succeeded: 1 } }],
    ['Ingress/shop', { metadata: { name: 'shop' }, status: {} }],
    ['Secret/shop-tls', { metadata: { name: 'shop-tls' } }],
  ]);

const T0 = new Date('2026-11-25T10:00:00Z');
const cond = (s: ReturnType<typeof computeStatus>, type: string) =>
  s.conditions!.find((c) => c.type === type)!;

describe('computeStatus', () => {
  it('when every child is healthy, then Ready is True with the generation and URL', () => {
    const s = computeStatus(sf(), { children: healthy(), missingApis: new Set(), missingSecrets: [] }, T0);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready', observedGeneration: 3 });
    expect(s.observedGeneration).toBe(3);
    expect(s.url).toBe('https://shop.example.com/');
    expect(s.conditions!.map((c) => c.type)).toEqual([
      'Ready',
      'DatabaseReady',
      'CacheReady',
      'AppReady',
      'IngressReady',
      'TLSReady',
    ]);
  });

  it('when the database volume is pending, then DatabaseReady and Ready say so', () => {
    const children = healthy();
    children.set('PersistentVolumeClaim/data-shop-postgres-0', {
      metadata: { name: 'data-shop-postgres-0' },
      status: { phase: 'Pending' },
    });
    const s = computeStatus(sf(), { children, missingApis: new Set(), missingSecrets: [] }, T0);
    expect(cond(s, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'VolumePending' });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'DatabaseNotReady' });
    expect(cond(s, 'Ready').message).toContain('data-shop-postgres-0 is Pending');
  });

  it('when the app rollout is behind, then AppReady is Progressing', () => {
    const children = healthy();
    children.set('Deployment/shop-app', {
      metadata: { name: 'shop-app', generation: 3 },
      spec: { replicas: 2 },
      status: { observedGeneration: 3, updatedReplicas: 1, availableReplicas: 2 },
    });
    const s = computeStatus(sf(), { children, missingApis: new Set(), missingSecrets: [] }, T0);
    expect(cond(s, 'AppReady')).toMatchObject({ status: 'False', reason: 'Progressing' });
  });

  it('when the migration failed, then AppReady names the Job', () => {
    const children = healthy();
    children.set(`Job/${JOB}`, {
      metadata: { name: JOB },
      status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    });
    const s = computeStatus(sf(), { children, missingApis: new Set(), missingSecrets: [] }, T0);
    expect(cond(s, 'AppReady')).toMatchObject({ status: 'False', reason: 'MigrationFailed' });
    expect(cond(s, 'AppReady').message).toContain(JOB);
  });

  it('when a Secret the app reads (env secretKeyRef) is missing, then AppReady names it and its field', () => {
    const spec = {
      app: { env: [{ name: 'PAYMENT_KEY', secretKeyRef: { name: 'payments', key: 'api-key' } }] },
    };
    const s = computeStatus(
      sf(spec),
      { children: healthy(), missingApis: new Set(), missingSecrets: ['payments'] },
      T0,
    );
    expect(cond(s, 'AppReady')).toMatchObject({ status: 'False', reason: 'SecretMissing' });
    expect(cond(s, 'AppReady').message).toBe(
      "Secret payments (spec.app.env[0].secretKeyRef) does not exist: the app's pods cannot start until it is created",
    );
    expect(cond(s, 'Ready').status).toBe('False');
    const found = computeStatus(
      sf(spec),
      { children: healthy(), missingApis: new Set(), missingSecrets: [] },
      T0,
    );
    expect(cond(found, 'AppReady').status).toBe('True');
  });

  it('when cert-manager is missing for tls mode certManager, then TLSReady is MissingAPI', () => {
    const s = computeStatus(
      sf({ ingress: { tls: { mode: 'certManager', issuerRef: { name: 'le' } } } }),
      { children: healthy(), missingApis: new Set(['Certificate']), missingSecrets: [] },
      T0,
    );
    expect(cond(s, 'TLSReady')).toMatchObject({ status: 'False', reason: 'MissingAPI' });
  });

  it('when the reconcile failed, then Ready carries the error', () => {
    const s = computeStatus(
      sf(),
      {
        children: healthy(),
        missingApis: new Set(),
        missingSecrets: [],
        reconcileError: 'apply Deployment shop-app: forbidden',
      },
      T0,
    );
    expect(cond(s, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ReconcileError',
      message: 'apply Deployment shop-app: forbidden',
    });
  });

  it('when nothing changed, then the recomputed status equals the stored one (no write)', () => {
    const first = computeStatus(
      sf(),
      { children: healthy(), missingApis: new Set(), missingSecrets: [] },
      T0,
    );
    const stored = { ...sf(), status: first };
    const again = computeStatus(
      stored,
      { children: healthy(), missingApis: new Set(), missingSecrets: [] },
      new Date(T0.getTime() + 3_600_000),
    );
    expect(statusChanged(first, again)).toBe(false);
  });

  it('when a condition flips, then only its transition time moves', () => {
    const first = computeStatus(
      sf(),
      { children: healthy(), missingApis: new Set(), missingSecrets: [] },
      T0,
    );
    const children = healthy();
    children.delete('Deployment/shop-redis');
    const later = new Date(T0.getTime() + 60_000);
    const next = computeStatus(
      { ...sf(), status: first },
      { children, missingApis: new Set(), missingSecrets: [] },
      later,
    );
    expect(statusChanged(first, next)).toBe(true);
    expect(cond(next, 'CacheReady').lastTransitionTime).toBe('2026-11-25T10:01:00Z');
    expect(cond(next, 'DatabaseReady').lastTransitionTime).toBe('2026-11-25T10:00:00Z');
  });
});

describe('computeStatus: the summary kubectl get and the scale subresource read', () => {
  it('when the app has 2/2 Pods, then replicas, selector and the component words say so', () => {
    const s = computeStatus(sf(), { children: healthy(), missingApis: new Set(), missingSecrets: [] }, T0);
    expect(s.replicas).toBe(0); // the observed Deployment reports no status.replicas
    expect(s.selector).toBe(
      'app.kubernetes.io/name=storefront-shop,app.kubernetes.io/instance=shop,app.kubernetes.io/component=app',
    );
    expect(s.components).toEqual({ app: '2/2', database: 'Ready', cache: 'Available' });
  });

  it('when the Deployment reports 3 Pods of 4 wanted, then replicas is 3 and app reads 1/4', () => {
    const children = healthy();
    children.set('Deployment/shop-app', {
      metadata: { name: 'shop-app', generation: 2 },
      spec: { replicas: 4 },
      status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 1 },
    });
    const s = computeStatus(
      sf({ app: { replicas: 4 } }),
      { children, missingApis: new Set(), missingSecrets: [] },
      T0,
    );
    expect(s.replicas).toBe(3);
    expect(s.components?.app).toBe('1/4');
    expect(cond(s, 'AppReady').status).toBe('False');
  });

  it('when nothing exists yet, then app reads 0/2 and the database and cache their reasons', () => {
    const s = computeStatus(
      sf({ cache: { mode: 'disabled' } }),
      { children: new Map(), missingApis: new Set(), missingSecrets: [] },
      T0,
    );
    expect(s.components).toEqual({ app: '0/2', database: 'Creating', cache: 'Disabled' });
    expect(statusChanged(s, { ...s, components: { ...s.components, app: '1/2' } })).toBe(true);
  });
});

describe('computeStatus: suspend', () => {
  it('when spec.suspend is true, then a Suspended condition says nothing is corrected; gone when false', () => {
    const observed = { children: healthy(), missingApis: new Set<never>(), missingSecrets: [] };
    const suspended = computeStatus(sf({ suspend: true }), observed, T0);
    expect(cond(suspended, 'Suspended')).toMatchObject({ status: 'True', reason: 'SuspendedBySpec' });
    expect(cond(suspended, 'Suspended').message).toContain('set it to false to resume');
    expect(cond(suspended, 'AppReady').status).toBe('True');
    const resumed = computeStatus(sf({ suspend: false }), observed, T0);
    expect(resumed.conditions!.some((c) => c.type === 'Suspended')).toBe(false);
    expect(statusChanged(suspended, resumed)).toBe(true);
  });
});

describe('computeStatus: Ready means served (provider nginx)', () => {
  it('when the Ingress has no address, then IngressReady says NoAddress plainly and Ready says it is not yet admitted', () => {
    const s = computeStatus(sf(), { children: healthy(), missingApis: new Set(), missingSecrets: [] }, T0);
    expect(cond(s, 'IngressReady')).toMatchObject({ status: 'True', reason: 'NoAddress' });
    expect(cond(s, 'IngressReady').message).toContain('no ingress controller has admitted Ingress shop');
    expect(cond(s, 'IngressReady').message).toContain('class nginx');
    expect(cond(s, 'Ready').status).toBe('True');
    expect(cond(s, 'Ready').message).toContain('none has published an address yet');
  });

  it('when the controller published an address, then IngressReady is Published and Ready says served', () => {
    const children = healthy();
    children.set('Ingress/shop', {
      metadata: { name: 'shop' },
      status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
    });
    const s = computeStatus(sf(), { children, missingApis: new Set(), missingSecrets: [] }, T0);
    expect(cond(s, 'IngressReady')).toMatchObject({ status: 'True', reason: 'Published' });
    expect(cond(s, 'IngressReady').message).toContain('203.0.113.7');
    expect(cond(s, 'Ready').message).toBe('the shop is served at https://shop.example.com/');
  });
});

describe('computeStatus: Gateway API mode says what is left to the Gateway', () => {
  it("when provider is gatewayAPI, then IngressReady says rate and body-size limits are the Gateway's", () => {
    const gw = sf({ ingress: { provider: 'gatewayAPI', gateway: { parentRefs: [{ name: 'gw' }] } } });
    const children = healthy();
    children.delete('Ingress/shop');
    children.set('HTTPRoute/shop', { metadata: { name: 'shop' }, status: {} });
    const s = computeStatus(gw, { children, missingApis: new Set(), missingSecrets: [] }, T0);
    expect(cond(s, 'IngressReady').message).toContain(
      "rate and body-size limits are the Gateway's to enforce",
    );
    const nginx = computeStatus(
      sf(),
      { children: healthy(), missingApis: new Set(), missingSecrets: [] },
      T0,
    );
    expect(cond(nginx, 'IngressReady').message).not.toContain('Gateway');
  });
});
