// Every mode of the spec reconciled by the operator on the real control plane, with its status:
// TLS certManager (an Issuer; TLSReady follows the Certificate's Ready condition), secret and none;
// the Gateway API provider; an external database and cache; autoscaling (the operator never takes
// replicas back from the HPA); WAF and CDN annotations; NetworkPolicies switched off and on again;
// a cache and a TLS mode switched away and back; and the fields no other test sets.
import { beforeAll, describe, expect, it } from 'vitest';
import { modeVariantDocs } from '../../operator/render/testdata/mode-variants.ts';
import { FAILING_MIGRATION_IMAGE } from '../cluster/components.ts';
import { installThirdPartyCrds } from '../cluster/third-party-crds.ts';
import {
  acceptRoute,
  cluster,
  condition,
  expectNotFound,
  k,
  kJson,
  kTry,
  operatorSuite,
  patchSpec,
  setStatus,
  waitCondition,
  waitFor,
  waitGone,
  waitReady,
} from './support.ts';

const suite = operatorSuite(['sf-modes'], () => ['--resync', '5s', '--no-leader-elect'], {
  beforeOperator: () => installThirdPartyCrds(cluster()),
});
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});
const NGINX = 'nginx.ingress.kubernetes.io';

function applyDoc(doc: Record<string, any>): void {
  k(['apply', '--server-side', '--field-manager=modes-test', '-n', ns, '-f', '-'], JSON.stringify(doc));
}

function applyVariant(key: string, edit: (doc: any) => void = () => {}): string {
  const doc = structuredClone(modeVariantDocs[key]!) as any;
  doc.metadata.namespace = ns;
  edit(doc);
  applyDoc(doc);
  return doc.metadata.name;
}

function userSecret(name: string, data: Record<string, string>, type = 'Opaque'): void {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString('base64')]),
  );
  k(
    ['apply', '--server-side', '-n', ns, '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, type, data: encoded }),
  );
}

/** Waits until the operator has reconciled the current generation (status says so). */
const waitObserved = (name: string) =>
  waitFor(`${name} generation observed`, () => {
    const sf = kJson(['get', 'storefront', name, '-n', ns]);
    return sf.status?.observedGeneration === sf.metadata.generation ? sf : undefined;
  });

const appContainer = (name: string) =>
  kJson(['get', 'deployment', `${name}-app`, '-n', ns]).spec.template.spec.containers.find(
    (c: { name: string }) => c.name === 'app',
  );

describe('the operator in every mode', () => {
  it('when tls is certManager with an Issuer, then a Certificate is created and TLSReady follows its Ready condition', async () => {
    const name = applyVariant('tls-cert-manager-issuer');
    const cert = await waitFor('Certificate', () =>
      kJson(['get', 'certificates', '-n', ns]).items.find((c: any) => c.metadata.name === `${name}-tls`),
    );
    expect(cert.spec.issuerRef).toEqual({ group: 'cert-manager.io', kind: 'Issuer', name: 'shop-issuer' });
    expect(cert.spec.dnsNames).toEqual([`${name}.example.com`]);
    await waitCondition(ns, name, 'TLSReady', 'False', 'Issuing');
    const now = new Date().toISOString();
    setStatus(ns, 'certificate', `${name}-tls`, {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Ready', message: 'issued', lastTransitionTime: now },
      ],
    });
    await waitCondition(ns, name, 'TLSReady', 'True', 'Issued');
    await waitReady(ns, name);
    setStatus(ns, 'certificate', `${name}-tls`, {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'Failed',
          message: 'the issuer refused the order',
          lastTransitionTime: now,
        },
      ],
    });
    const c = await waitCondition(ns, name, 'TLSReady', 'False', 'Issuing');
    expect(c.message).toContain('the issuer refused the order');
    expect(condition(ns, name, 'Ready')?.status).toBe('False');
  });

  it('when tls is secret, then TLSReady waits for the user Secret and the Ingress serves it', async () => {
    const name = applyVariant('tls-secret');
    await waitCondition(ns, name, 'TLSReady', 'False', 'SecretMissing');
    userSecret('shop-cert', { 'tls.crt': 'CERT', 'tls.key': 'KEY' }, 'kubernetes.io/tls');
    await waitCondition(ns, name, 'TLSReady', 'True', 'UserProvided');
    const ing = kJson(['get', 'ingress', name, '-n', ns]);
    expect(ing.spec.tls).toEqual([{ hosts: [`${name}.example.com`], secretName: 'shop-cert' }]);
    // The operator neither renders nor owns the user's Secret.
    expect(kJson(['get', 'secret', 'shop-cert', '-n', ns]).metadata.ownerReferences).toBeUndefined();
    await waitReady(ns, name);
  });

  it('when tls is none and HSTS off, then the shop is served over plain HTTP without redirect or header annotations', async () => {
    const name = applyVariant('tls-none-hsts-off');
    const sf = await waitReady(ns, name);
    expect(sf.status.url).toBe(`http://${name}.example.com/`);
    expect(condition(ns, name, 'TLSReady')?.reason).toBe('Disabled');
    const ing = kJson(['get', 'ingress', name, '-n', ns]);
    expect(ing.spec.tls).toBeUndefined();
    const annotations = Object.keys(ing.metadata.annotations ?? {});
    expect(annotations).not.toContain(`${NGINX}/ssl-redirect`);
    expect(annotations).not.toContain(`${NGINX}/custom-headers`);
    expectNotFound(ns, 'secret', `${name}-tls`);
    expectNotFound(ns, 'configmap', `${name}-response-headers`);
  });

  it('when the provider is gatewayAPI, then an HTTPRoute (no Ingress) is created and IngressReady follows its Gateway', async () => {
    const name = applyVariant('gateway-api');
    const route = await waitFor('HTTPRoute', () =>
      kJson(['get', 'httproutes', '-n', ns]).items.find((r: any) => r.metadata.name === name),
    );
    expect(route.spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: 'edge',
        namespace: 'gateways',
        sectionName: 'https',
      },
    ]);
    expect(route.spec.hostnames).toEqual([`${name}.example.com`, 'origin.gw.example.com']);
    // The Gateway API CRD defaults group "", kind Service and weight 1 on the backend we render.
    expect(route.spec.rules[0].backendRefs).toEqual([
      { group: '', kind: 'Service', name: `${name}-app`, port: 80, weight: 1 },
    ]);
    await waitCondition(ns, name, 'IngressReady', 'True', 'Configured');
    expectNotFound(ns, 'ingress', name);
    // TLS is on (selfSigned): the Gateway API CRDs admit the redirect route on the plain-HTTP
    // listener (by port: no redirectSectionName) and the grant for the Gateway's namespace.
    const redirect = kJson(['get', 'httproute', `${name}-https-redirect`, '-n', ns]);
    expect(redirect.spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'edge', namespace: 'gateways', port: 80 },
    ]);
    expect(redirect.spec.rules[0].filters).toEqual([
      { type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } },
    ]);
    const grant = kJson(['get', 'referencegrant', `${name}-gateway-tls`, '-n', ns]);
    expect(grant.spec).toEqual({
      from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'gateways' }],
      to: [{ group: '', kind: 'Secret', name: `${name}-tls` }],
    });
    acceptRoute(ns, route, { name: 'edge', namespace: 'gateways' });
    await waitCondition(ns, name, 'IngressReady', 'True', 'Accepted');
    expect(appContainer(name).env).toContainEqual({ name: 'STATIC_MAX_AGE_SECONDS', value: '600' });
    await waitReady(ns, name);
  });

  it('when the database and cache are external, then nothing is rendered for them and status waits for their Secrets', async () => {
    const name = applyVariant('external-db-and-cache');
    await waitCondition(ns, name, 'DatabaseReady', 'False', 'SecretMissing');
    await waitCondition(ns, name, 'CacheReady', 'False', 'SecretMissing');
    userSecret('shop-db', { url: 'postgres://shop:pw@db.example.internal:5432/shop' });
    userSecret('shop-cache', { 'redis-url': 'redis://cache.example.internal:6379/0' });
    await waitCondition(ns, name, 'DatabaseReady', 'True', 'External');
    await waitCondition(ns, name, 'CacheReady', 'True', 'External');
    await waitReady(ns, name);
    expect(appContainer(name).env).toEqual(
      expect.arrayContaining([
        { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'shop-db', key: 'url' } } },
        { name: 'REDIS_URL', valueFrom: { secretKeyRef: { name: 'shop-cache', key: 'redis-url' } } },
      ]),
    );
    for (const [kind, obj] of [
      ['statefulset', `${name}-postgres`],
      ['deployment', `${name}-redis`],
      ['secret', `${name}-postgres-credentials`],
      ['secret', `${name}-redis-credentials`],
      ['networkpolicy', `${name}-postgres`],
    ] as const)
      expectNotFound(ns, kind, obj);
    const egress = kJson(['get', 'networkpolicy', `${name}-app`, '-n', ns]).spec.egress;
    // Egress only to the user's CIDRs, on the database's and the cache's ports.
    expect(egress).toEqual([
      { ports: [{ port: 5432, protocol: 'TCP' }], to: [{ ipBlock: { cidr: '10.20.0.0/16' } }] },
      {
        ports: [
          { port: 6379, protocol: 'TCP' },
          { port: 6380, protocol: 'TCP' },
        ],
        to: [{ ipBlock: { cidr: '10.20.0.0/16' } }],
      },
    ]);
  });

  it('when autoscaling is on, then the HPA targets the app and the operator never takes replicas back from it', async () => {
    const name = applyVariant('autoscaling');
    await waitReady(ns, name);
    const hpa = kJson(['get', 'hpa', `${name}-app`, '-n', ns]);
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: `${name}-app`,
    });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 6]);
    // What the HPA controller does: write the scale subresource.
    k(['scale', 'deployment', `${name}-app`, '-n', ns, '--replicas=5']);
    // A spec change forces a reconcile whose apply we can wait for (no sleeping through resyncs).
    patchSpec(ns, name, { app: { autoscaling: { maxReplicas: 7 } } });
    await waitObserved(name);
    await waitFor(
      'HPA maxReplicas 7',
      () => kJson(['get', 'hpa', `${name}-app`, '-n', ns]).spec.maxReplicas === 7,
    );
    const dep = kJson(['get', 'deployment', `${name}-app`, '-n', ns]);
    expect(dep.spec.replicas).toBe(5);
    const owners = (dep.metadata.managedFields ?? [])
      .filter((m: any) => JSON.stringify(m.fieldsV1 ?? {}).includes('"f:replicas"'))
      .map((m: any) => m.manager);
    expect(owners).not.toContain('storefront-operator');
    const sf = await waitReady(ns, name);
    expect(sf.status.conditions.find((c: any) => c.type === 'AppReady').message).toContain('5/5');
  });

  it('when WAF and a CDN are configured, then the Ingress carries the ModSecurity, rate-limit and origin-host settings', async () => {
    const name = applyVariant('waf-and-cdn');
    await waitReady(ns, name);
    const ing = kJson(['get', 'ingress', name, '-n', ns]);
    expect(ing.metadata.annotations).toMatchObject({
      [`${NGINX}/enable-modsecurity`]: 'true',
      [`${NGINX}/enable-owasp-core-rules`]: 'true',
      [`${NGINX}/limit-rps`]: '20',
      [`${NGINX}/limit-connections`]: '10',
    });
    expect(Object.keys(ing.metadata.annotations).some((a) => a.includes('snippet'))).toBe(false);
    expect(ing.spec.rules.map((r: any) => [r.host, r.http.paths[0].path])).toEqual([
      [`${name}.example.com`, '/'],
      ['origin.waf.example.com', '/static'],
    ]);
    expect(ing.spec.tls[0].hosts).toEqual([`${name}.example.com`, 'origin.waf.example.com']);
    expect(appContainer(name).env).toContainEqual({
      name: 'ASSET_BASE_URL',
      value: 'https://cdn.example.com/assets/',
    });
  });

  it('when networkPolicy.enabled goes false and back, then the policies are pruned and come back', async () => {
    const name = applyVariant('network-policy-off', (d) => {
      d.spec.networkPolicy.enabled = true;
    });
    await waitReady(ns, name);
    const policies = () =>
      kJson(['get', 'networkpolicy', '-n', ns, '-l', `storefront.dev/storefront=${name}`])
        .items.map((p: any) => p.metadata.name)
        .sort();
    const before = policies();
    expect(before).toEqual([
      `${name}-allow-dns`,
      `${name}-app`,
      `${name}-default-deny`,
      `${name}-migration`,
      `${name}-postgres`,
      `${name}-redis`,
    ]);
    patchSpec(ns, name, { networkPolicy: { enabled: false } });
    await waitObserved(name);
    for (const p of before) await waitGone(ns, 'networkpolicy', p);
    await waitReady(ns, name);
    patchSpec(ns, name, { networkPolicy: { enabled: true } });
    await waitFor('policies back', () => JSON.stringify(policies()) === JSON.stringify(before));
    await waitReady(ns, name);
  });

  it('when the cache and TLS modes are switched away and back, then objects are pruned and recreated and no credential changes', async () => {
    const name = applyVariant('one-replica-no-pdb');
    await waitReady(ns, name);
    const pdb = kTry(['get', 'pdb', `${name}-app`, '-n', ns]);
    expect(pdb.stderr).toContain('(NotFound)');
    const password = kJson(['get', 'secret', `${name}-redis-credentials`, '-n', ns]).data.password;
    const ca = kJson(['get', 'secret', `${name}-tls-ca`, '-n', ns]).data['ca.crt'];

    patchSpec(ns, name, { cache: { mode: 'disabled' }, ingress: { tls: { mode: 'none' } } });
    await waitObserved(name);
    await waitGone(ns, 'deployment', `${name}-redis`);
    await waitGone(ns, 'service', `${name}-redis`);
    await waitGone(ns, 'secret', `${name}-tls`);
    const off = await waitReady(ns, name);
    expect(off.status.url).toBe(`http://${name}.example.com/`);
    expect(appContainer(name).env.map((e: any) => e.name)).not.toContain('REDIS_URL');

    patchSpec(ns, name, { cache: { mode: 'managed' }, ingress: { tls: { mode: 'selfSigned' } } });
    const on = await waitReady(ns, name);
    expect(on.status.url).toBe(`https://${name}.example.com/`);
    expect(kJson(['get', 'deployment', `${name}-redis`, '-n', ns]).status.availableReplicas).toBe(1);
    expect(kJson(['get', 'secret', `${name}-redis-credentials`, '-n', ns]).data.password).toBe(password);
    expect(kJson(['get', 'secret', `${name}-tls-ca`, '-n', ns]).data['ca.crt']).toBe(ca);
  });

  it('when the migration Job fails, then AppReady is MigrationFailed, and a fixed image brings the shop back', async () => {
    const name = 'migfail';
    applyDoc({
      apiVersion: 'storefront.dev/v1alpha1',
      kind: 'Storefront',
      metadata: { name, namespace: ns },
      spec: {
        host: 'migfail.example.com',
        app: { image: FAILING_MIGRATION_IMAGE },
        cache: { mode: 'disabled' },
      },
    });
    const failed = await waitCondition(ns, name, 'AppReady', 'False', 'MigrationFailed');
    expect(failed.message).toMatch(
      new RegExp(`migration Job ${name}-migrate-[0-9a-f]+ failed: BackoffLimitExceeded`),
    );
    // Once the database is up, the app's failed migration is what keeps the shop from Ready.
    await waitCondition(ns, name, 'Ready', 'False', 'AppNotReady');
    patchSpec(ns, name, { app: { image: 'ghcr.io/storefront-dev/storefront-shop:0.1.1' } });
    await waitReady(ns, name);
  });

  it('when a Secret the app reads is missing, then its pods wait as a kubelet would, the Storefront says why, and it becomes Ready once the Secret exists', async () => {
    const name = applyVariant('one-replica-no-pdb', (d) => {
      d.metadata.name = 'late-secret';
      d.spec.host = 'late-secret.example.com';
      d.spec.app.env = [{ name: 'PAYMENT_KEY', secretKeyRef: { name: 'late-payments', key: 'api-key' } }];
    });
    const missing = await waitCondition(ns, name, 'AppReady', 'False', 'SecretMissing');
    expect(missing.message).toContain('Secret late-payments (spec.app.env[0].secretKeyRef) does not exist');
    expect(condition(ns, name, 'Ready')?.status).toBe('False');
    // The fake node does what a kubelet does (test/cluster/kwok/reference-checker.ts): the app's
    // pod is not started, so the Deployment has no available replica (kwok alone would start it).
    const waiting = await waitFor('an app pod in CreateContainerConfigError', () =>
      kJson([
        'get',
        'pods',
        '-n',
        ns,
        '-l',
        `app.kubernetes.io/instance=${name},app.kubernetes.io/component=app`,
      ])
        .items.flatMap((p: any) => p.status?.containerStatuses ?? [])
        .find((c: any) => c.state?.waiting?.reason === 'CreateContainerConfigError'),
    );
    expect(waiting.state.waiting.message).toBe('secret "late-payments" not found');
    expect(kJson(['get', 'deployment', `${name}-app`, '-n', ns]).status.availableReplicas ?? 0).toBe(0);
    userSecret('late-payments', { 'api-key': 'pay-late' });
    await waitReady(ns, name);
    expect(kJson(['get', 'deployment', `${name}-app`, '-n', ns]).status.availableReplicas).toBe(1);
  });

  it('when every rarely set field is given, then each one reaches the objects it is for', async () => {
    const storageClass = cluster().storageClass;
    userSecret('shop-admin', { token: 'user-admin-token-0123456789' });
    userSecret('payments', { 'api-key': 'pay-123' });
    const name = applyVariant('every-rarely-set-field', (d) => {
      d.spec.database.storage.storageClassName = storageClass;
    });
    await waitReady(ns, name);
    const app = appContainer(name);
    expect(app.image).toBe('registry.example:5000/shop/app:2.0.1');
    expect(app.imagePullPolicy).toBe('Always');
    expect(app.env).toEqual(
      expect.arrayContaining([
        { name: 'ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'shop-admin', key: 'token' } } },
        { name: 'PAYMENT_KEY', valueFrom: { secretKeyRef: { name: 'payments', key: 'api-key' } } },
        { name: 'FEATURE_FLAG', value: 'on' },
        { name: 'STATIC_MAX_AGE_SECONDS', value: '86400' },
      ]),
    );
    expectNotFound(ns, 'secret', `${name}-app-secrets`);
    const job = kJson(['get', 'jobs', '-n', ns, '-l', `storefront.dev/storefront=${name}`]).items[0];
    expect(job.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
    const sts = kJson(['get', 'statefulset', `${name}-postgres`, '-n', ns]);
    expect(sts.spec.template.spec.containers[0].image).toBe('registry.example:5000/postgres:17.6');
    expect(sts.spec.persistentVolumeClaimRetentionPolicy.whenDeleted).toBe('Delete');
    const pvc = kJson(['get', 'pvc', `data-${name}-postgres-0`, '-n', ns]);
    expect(pvc.spec.storageClassName).toBe(storageClass);
    expect(pvc.spec.resources.requests.storage).toBe('20Gi');
    const redis = kJson(['get', 'deployment', `${name}-redis`, '-n', ns]).spec.template.spec.containers[0];
    expect(redis.image).toBe('registry.example:5000/redis:8.2.2');
    expect(redis.args.join(' ')).toContain(`--maxmemory ${100 * 1024 * 1024}`);
    const dns = kJson(['get', 'networkpolicy', `${name}-allow-dns`, '-n', ns]).spec.egress[0].to[0];
    expect(dns.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'dns-system' });
    const appPolicy = kJson(['get', 'networkpolicy', `${name}-app`, '-n', ns]).spec.ingress[0].from[0];
    expect(appPolicy.namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'edge' });
    const headers = kJson(['get', 'configmap', `${name}-response-headers`, '-n', ns]).data;
    expect(headers['Strict-Transport-Security']).toBe('max-age=31536000; includeSubDomains');
    // deletionPolicy Delete: credentials are not marked to outlive the Storefront.
    const creds = kJson(['get', 'secret', `${name}-postgres-credentials`, '-n', ns]);
    expect(creds.metadata.annotations?.['storefront.dev/retain-on-delete']).toBeUndefined();
  });
});
