// Finding 8 of the hardening review: the operator's child informers select on labels anyone may
// set. An informer configured exactly as the operator configures it (childInformerOptions) holds
// the Secrets a Storefront owns and its retained data, never a Secret someone labelled like ours;
// and the running operator's own cache, next to a Storefront it reconciles, holds none either.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDefaults } from '../../operator/api/validate.ts';
import { childInformerOptions } from '../../operator/controller/child-informers.ts';
import type { KubeObject } from '../../operator/core/object.ts';
import { createKubeClient, type KubeClient } from '../../operator/kube/client.ts';
import { Informer } from '../../operator/kube/informer.ts';
import { RETAIN_ANNOTATION } from '../../operator/render/credentials.ts';
import { MANAGED_BY, names, STOREFRONT_LABEL } from '../../operator/render/names.ts';
import { testCluster } from '../cluster/context.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, deleteNamespace } from '../support/kube.ts';
import { installCrd, startInProcessOperator, storefrontDoc } from './support.ts';

const FM = 'child-informer-test';
const ourLabels = { 'app.kubernetes.io/managed-by': MANAGED_BY, [STOREFRONT_LABEL]: 'shop' };

describe("the operator's child cache", () => {
  let client: KubeClient;
  let ns: string;
  let informer: Informer<KubeObject> | undefined;
  let owner: { apiVersion: string; kind: string; name: string; uid: string };
  const secret = (name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: ourLabels, ...meta },
    data: { v: Buffer.from(name).toString('base64') },
  });

  beforeAll(async () => {
    installCrd();
    client = createKubeClient({ kubeconfig: testCluster().kubeconfig });
    ns = await createNamespace(client, 'child-cache');
    const sf = await client.create<KubeObject>(
      { ...JSON.parse(storefrontDoc('shop')), metadata: { name: 'shop', namespace: ns } },
      { fieldManager: FM },
    );
    owner = {
      apiVersion: 'storefront.dev/v1alpha1',
      kind: 'Storefront',
      name: 'shop',
      uid: sf.metadata.uid!,
    };
  });
  afterAll(async () => {
    await informer?.stop();
    await deleteNamespace(client, ns);
  });

  it('when Secrets carry our labels but no Storefront owns them, then the operator cache never holds them', async () => {
    await client.create(secret('tenant-before'), { fieldManager: FM });
    await client.create(secret('owned-before', { ownerReferences: [owner] }), { fieldManager: FM });
    await client.create(
      secret('retained-before', { annotations: { 'storefront.dev/retain-on-delete': 'true' } }),
      { fieldManager: FM },
    );
    informer = new Informer(client, childInformerOptions({ apiVersion: 'v1', kind: 'Secret' }, ns));
    informer.start();
    await informer.synced;
    expect(informer.get(ns, 'owned-before')).toBeDefined();
    expect(informer.get(ns, 'retained-before')).toBeDefined();
    expect(informer.get(ns, 'tenant-before')).toBeUndefined();

    // Through the watch too: a labelled tenant Secret, then an owned one (seen = the first was processed).
    await client.create(secret('tenant-after'), { fieldManager: FM });
    await client.create(secret('owned-after', { ownerReferences: [owner] }), { fieldManager: FM });
    await eventually('the owned Secret in the cache', () => informer!.get(ns, 'owned-after'));
    expect(informer.get(ns, 'tenant-after')).toBeUndefined();
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['owned-after', 'owned-before', 'retained-before']);

    // An owned Secret whose ownerReference is removed leaves the cache.
    await client.patch(
      { apiVersion: 'v1', kind: 'Secret', namespace: ns, name: 'owned-after' },
      { metadata: { ownerReferences: null } },
      { type: 'merge', fieldManager: FM },
    );
    await eventually(
      'the disowned Secret gone from the cache',
      () => informer!.get(ns, 'owned-after') === undefined,
    );
  });
});

describe("the running operator's cache", () => {
  it('when a Secret carries the labels of a Storefront the operator reconciles but no owner, then the operator never holds it, while it holds the Storefront’s own Secrets', async () => {
    const { kubeconfig } = testCluster();
    const client = createKubeClient({ kubeconfig });
    const ns = await createNamespace(client, 'op-cache');
    const tenant = (name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns, labels: ourLabels, ...meta },
      data: { v: Buffer.from(name).toString('base64') },
    });
    // Before the operator starts (its first list) and after (its watch).
    await client.create(tenant('tenant-listed'), { fieldManager: FM });
    const op = await startInProcessOperator(kubeconfig, ns);
    try {
      const sf = await client.create<KubeObject>(
        { ...JSON.parse(storefrontDoc('shop')), metadata: { name: 'shop', namespace: ns } },
        { fieldManager: FM },
      );
      const n = names(withDefaults(sf as unknown as Parameters<typeof withDefaults>[0]));
      await eventually('the Storefront’s generated Secrets in the operator cache', () =>
        [n.appSecrets, n.postgresCredentials].every((name) => op.cache.get('Secret', ns, name)),
      );
      await client.create(tenant('tenant-watched'), { fieldManager: FM });
      // Watch events arrive in order: once this marker is cached, the tenant's Secret was processed.
      // The marker is data a Storefront keeps without an owner (retain-on-delete), which the
      // operator holds and never prunes. An owned marker is not in the render, so the operator
      // rightly prunes it: a reconcile already under way deleted it within 76-124 ms, the 250 ms
      // poll missed it and the wait ran out (full-suite runs ci2 and ci5, seen in their audit logs).
      await client.create(tenant('retained-marker', { annotations: { [RETAIN_ANNOTATION]: 'true' } }), {
        fieldManager: FM,
      });
      await eventually('the retained marker in the operator cache', () =>
        op.cache.get('Secret', ns, 'retained-marker'),
      );
      expect(op.cache.get('Secret', ns, 'tenant-listed')).toBeUndefined();
      expect(op.cache.get('Secret', ns, 'tenant-watched')).toBeUndefined();
      const held = (op.cache.children('Secret', ns, 'shop') ?? []).map((o) => o.metadata.name);
      expect(held).toContain(n.appSecrets);
      expect(held).toContain('retained-marker');
      expect(held).not.toContain('tenant-listed');
      expect(held).not.toContain('tenant-watched');
    } finally {
      await op.stop();
      await deleteNamespace(client, ns);
    }
  });
});
