// The takeover check without a LIST per rendered object (controller/foreign-names.ts): the
// operator's watches know which names are taken — by anyone's unlabelled object (a metadata-only
// watch) or by an object labelled like ours that no Storefront owns (the child informers' refused
// names) — so a new Storefront's names are checked without asking the API server, and a taken one
// is still refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childInformerOptions } from '../../operator/controller/child-informers.ts';
import { ForeignNames, foreignNameInformerOptions } from '../../operator/controller/foreign-names.ts';
import type { KubeObject } from '../../operator/core/object.ts';
import { createKubeClient, type KubeClient } from '../../operator/kube/client.ts';
import { Informer } from '../../operator/kube/informer.ts';
import { ChildCache } from '../../operator/observe/child-cache.ts';
import { MANAGED_BY, STOREFRONT_LABEL } from '../../operator/render/names.ts';
import { testCluster } from '../cluster/context.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, deleteNamespace } from '../support/kube.ts';
import { installCrd, startInProcessOperator, storefrontDoc } from './support.ts';

const FM = 'foreign-names-test';
const SECRET = { apiVersion: 'v1', kind: 'Secret' } as const;

describe('names taken by objects the operator does not hold', () => {
  let client: KubeClient;
  let ns: string;
  const informers: Informer[] = [];
  const secret = (name: string, labels?: Record<string, string>): KubeObject => ({
    ...SECRET,
    metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
    data: { v: Buffer.from(name).toString('base64') },
  });

  beforeAll(async () => {
    client = createKubeClient({ kubeconfig: testCluster().kubeconfig });
    ns = await createNamespace(client, 'foreign-names');
  });
  afterAll(async () => {
    for (const i of informers) await i.stop();
    await deleteNamespace(client, ns);
  });

  it('when objects exist unlabelled, labelled by another tool or labelled like ours without an owner, then their names are taken and only names nobody has are free', async () => {
    // Before the watches start (their first list) ...
    await client.create(secret('plain-listed'), { fieldManager: FM });
    await client.create(secret('other-tool-listed', { [STOREFRONT_LABEL]: 'shop' }), { fieldManager: FM });
    const cache = new ChildCache();
    const child = new Informer(client, childInformerOptions(SECRET, ns));
    const foreign = new Informer(client, foreignNameInformerOptions(SECRET, ns));
    informers.push(child, foreign);
    cache.set('Secret', child);
    const names = new ForeignNames(cache, ns);
    names.add('Secret', foreign);
    const free = (name: string, namespace = ns) => names.free({ ...SECRET, namespace, name });
    // Not synced yet: nothing is known to be free.
    expect(free('nobody')).toBe(false);
    child.start();
    foreign.start();
    await Promise.all([child.synced, foreign.synced]);

    // ... and after (their watches).
    await client.create(secret('plain-watched'), { fieldManager: FM });
    await client.create(
      secret('ours-unowned-watched', {
        'app.kubernetes.io/managed-by': MANAGED_BY,
        [STOREFRONT_LABEL]: 'shop',
      }),
      { fieldManager: FM },
    );
    await eventually(
      'the watched names taken',
      () => !free('plain-watched') && !free('ours-unowned-watched'),
    );
    for (const name of ['plain-listed', 'other-tool-listed', 'plain-watched', 'ours-unowned-watched'])
      expect(free(name), name).toBe(false);
    // None of them is held: names only.
    expect(cache.get('Secret', ns, 'ours-unowned-watched')).toBeUndefined();
    expect(foreign.get(ns, 'plain-listed')?.['data']).toBeUndefined();

    expect(free('nobody')).toBe(true);
    // What the watches cannot tell is never free: another namespace, a kind without a names watch.
    expect(free('nobody', 'kube-system')).toBe(false);
    expect(names.free({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'nobody' })).toBe(false);

    // A name is free again once its object is gone, and taken once one carries it, labelled or not.
    await client.delete({ ...SECRET, namespace: ns, name: 'plain-watched' });
    await client.delete({ ...SECRET, namespace: ns, name: 'ours-unowned-watched' });
    await eventually('deleted names free again', () => free('plain-watched') && free('ours-unowned-watched'));
    await client.patch(
      { ...SECRET, namespace: ns, name: 'plain-listed' },
      { metadata: { labels: { [STOREFRONT_LABEL]: 'shop' } } },
      { type: 'merge', fieldManager: FM },
    );
    await eventually('the relabelled name seen by the child watch', () =>
      child.passedOver(ns, 'plain-listed'),
    );
    expect(free('plain-listed')).toBe(false);
  });
});

describe('a running operator and names nobody has', () => {
  it('when a new Storefront is reconciled, then its names cost no LIST and its Secrets no GET, and a Deployment labelled by another tool under its name is still refused', async () => {
    installCrd();
    const { kubeconfig } = testCluster();
    const client = createKubeClient({ kubeconfig });
    const ns = await createNamespace(client, 'op-names');
    // Carries our Storefront label, not our managed-by: neither an owner nor a tenant's plain object.
    await client.create(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'taken-app', namespace: ns, labels: { [STOREFRONT_LABEL]: 'taken' } },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'theirs' } },
          template: {
            metadata: { labels: { app: 'theirs' } },
            spec: { containers: [{ name: 'c', image: 'registry.example/theirs:1' }] },
          },
        },
      },
      { fieldManager: FM },
    );
    const op = await startInProcessOperator(kubeconfig, ns);
    const status = async (name: string) =>
      (
        await client.get<KubeObject & { status?: { conditions?: { type: string; message?: string }[] } }>({
          apiVersion: 'storefront.dev/v1alpha1',
          kind: 'Storefront',
          namespace: ns,
          name,
        })
      ).status?.conditions?.find((c) => c.type === 'Ready')?.message ?? '';
    try {
      await eventually(
        'the operator’s caches synced',
        async () => (await fetch(`${op.healthUrl}/readyz`)).ok,
      );
      const listsBefore = op.client.transport.requestCounts()['list'] ?? 0;
      const getsBefore = op.client.transport.requestCounts()['get'] ?? 0;
      await client.create(
        { ...JSON.parse(storefrontDoc('shop')), metadata: { name: 'shop', namespace: ns } },
        { fieldManager: FM },
      );
      await eventually('the Storefront’s workloads applied', () =>
        op.cache.get('Deployment', ns, 'shop-app'),
      );
      expect(op.client.transport.requestCounts()['list'] ?? 0).toBe(listsBefore);
      // Nor a read of its generated Secrets: credentials, CA and leaf are created with POST.
      expect(op.client.transport.requestCounts()['get'] ?? 0).toBe(getsBefore);
      expect(op.cache.get('Secret', ns, 'shop-tls-ca')).toBeDefined();

      await client.create(
        { ...JSON.parse(storefrontDoc('taken')), metadata: { name: 'taken', namespace: ns } },
        { fieldManager: FM },
      );
      await eventually('the refusal', async () => (await status('taken')).includes('Deployment/taken-app'));
      expect(await status('taken')).toMatch(/refusing to take over 1 existing object/);
      const theirs = await client.get({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: ns,
        name: 'taken-app',
      });
      expect(theirs.metadata.ownerReferences).toBeUndefined();
      expect(op.cache.get('StatefulSet', ns, 'taken-postgres')).toBeUndefined();
    } finally {
      await op.stop();
      await deleteNamespace(client, ns);
    }
  });
});
