// operator/kube against the real local control plane: server-side apply, reads, deletes, status
// patches, events, discovery, applyAll and pruneOwned.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../operator/core/object.ts';
import { applyAll, pruneOwned } from '../../operator/kube/apply-all.ts';
import { createKubeClient, type KubeClient, type RequestInfo } from '../../operator/kube/client.ts';
import { dryRunDiff } from '../../operator/kube/diff.ts';
import { isConflict, isNotFound, KubeApiError } from '../../operator/kube/errors.ts';
import { rolloutComplete, waitForObject } from '../../operator/kube/wait.ts';
import { testCluster } from '../cluster/context.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, deleteCrd, deleteNamespace, installCrd, testCrd } from '../support/kube.ts';

const FM = 'kube-client-test';
const GROUP = 'kubetest.storefront.dev';

const widgetCrd = testCrd('Widget', {
  subresources: { status: {} },
  schema: {
    openAPIV3Schema: {
      type: 'object',
      properties: {
        spec: { type: 'object', properties: { size: { type: 'integer' } } },
        status: {
          type: 'object',
          properties: { phase: { type: 'string' }, observedGeneration: { type: 'integer' } },
        },
      },
    },
  },
});

describe('KubeClient on the real API server', () => {
  let client: KubeClient;
  let ns: string;
  const requests: RequestInfo[] = [];

  beforeAll(async () => {
    client = createKubeClient({ kubeconfig: testCluster().kubeconfig, onRequest: (r) => requests.push(r) });
    ns = await createNamespace(client, 'kube-client');
    await installCrd(client, widgetCrd);
  });

  afterAll(async () => {
    await deleteNamespace(client, ns);
    await deleteCrd(client, widgetCrd);
  });

  it('when a ConfigMap is applied, changed and applied again unchanged, then it is created, updated, and the no-op keeps its resourceVersion', async () => {
    const cm = (value: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: ns, labels: { 'app.kubernetes.io/instance': 'demo' } },
      data: { greeting: value },
    });
    const created = await client.apply(cm('hello'), { fieldManager: FM });
    expect(created.metadata.uid).toBeTruthy();
    expect(created.data).toEqual({ greeting: 'hello' });

    const updated = await client.apply(cm('bonjour'), { fieldManager: FM });
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    expect(updated.data).toEqual({ greeting: 'bonjour' });
    expect(updated.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);

    const again = await client.apply(cm('bonjour'), { fieldManager: FM });
    expect(again.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);

    const dry = await client.apply(cm('dry'), { fieldManager: FM, dryRun: true });
    expect(dry.data).toEqual({ greeting: 'dry' });
    const live = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'settings' });
    expect(live.data).toEqual({ greeting: 'bonjour' });
    expect(live.metadata.resourceVersion).toBe(updated.metadata.resourceVersion);
    // Timestamps stay strings: the plain JSON the API server sent.
    expect(typeof live.metadata.creationTimestamp).toBe('string');
  });

  it('when a field owned by another manager is applied without force, then the conflict is a KubeApiError; with force it wins', async () => {
    const base: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'contested', namespace: ns },
      data: { k: 'mine' },
    };
    await client.apply(base, { fieldManager: 'someone-else' });
    const err = await client
      .apply({ ...base, data: { k: 'ours' } }, { fieldManager: FM })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect(isConflict(err)).toBe(true);
    expect((err as KubeApiError).message).toContain(`apply ConfigMap ${ns}/contested: 409`);
    const forced = await client.apply({ ...base, data: { k: 'ours' } }, { fieldManager: FM, force: true });
    expect(forced.data).toEqual({ k: 'ours' });
  });

  it('lists by label selector across pages, and get of a missing object is NotFound with context', async () => {
    for (let i = 0; i < 5; i++) {
      await client.apply(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `page-${i}`, namespace: ns, labels: { paged: 'yes' } },
          data: { i: String(i) },
        },
        { fieldManager: FM },
      );
    }
    const listed = await client.list({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: { paged: 'yes' },
      pageSize: 2,
    });
    expect(listed.items.map((o) => o.metadata.name).sort()).toEqual([
      'page-0',
      'page-1',
      'page-2',
      'page-3',
      'page-4',
    ]);
    expect(listed.items.every((o) => o.kind === 'ConfigMap' && o.apiVersion === 'v1')).toBe(true);
    expect(listed.resourceVersion).toMatch(/^\d+$/);

    const err = await client
      .get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'missing' })
      .catch((e: unknown) => e);
    expect(isNotFound(err)).toBe(true);
    expect((err as KubeApiError).status).toBe(404);
    expect((err as KubeApiError).reason).toBe('NotFound');
    expect((err as KubeApiError).message).toBe(
      `get ConfigMap ${ns}/missing: 404 NotFound: configmaps "missing" not found`,
    );
    expect(
      await client.tryGet({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'missing' }),
    ).toBeUndefined();
  });

  it('when deleting with a stale uid precondition, then it conflicts; with the right one it deletes; again it reports gone', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'page-0' };
    const live = await client.get(ref);
    const stale = await client
      .delete(ref, { preconditions: { uid: 'not-the-uid' } })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);
    expect(
      await client.delete(ref, {
        preconditions: { uid: live.metadata.uid! },
        propagationPolicy: 'Foreground',
      }),
    ).toBe(true);
    await eventually('ConfigMap gone', async () => ((await client.tryGet(ref)) ? undefined : true));
    expect(await client.delete(ref)).toBe(false);
  });

  it('when status is patched through the subresource, then spec is untouched; a stale resourceVersion conflicts; SSA status works', async () => {
    const widget = await client.apply(
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', namespace: ns },
        spec: { size: 3 },
      },
      { fieldManager: FM },
    );
    const ref = { apiVersion: `${GROUP}/v1`, kind: 'Widget', namespace: ns, name: 'w1' };
    const patched = await client.patchStatus(
      ref,
      { phase: 'Ready', observedGeneration: 1 },
      { resourceVersion: widget.metadata.resourceVersion! },
    );
    expect(patched.status).toEqual({ phase: 'Ready', observedGeneration: 1 });
    expect(patched.spec).toEqual({ size: 3 });

    const stale = await client
      .patchStatus(ref, { phase: 'Stale' }, { resourceVersion: widget.metadata.resourceVersion! })
      .catch((e: unknown) => e);
    expect(isConflict(stale)).toBe(true);

    const applied = await client.patchStatus(ref, { phase: 'Applied' }, { mode: 'apply', fieldManager: FM });
    expect((applied.status as { phase: string }).phase).toBe('Applied');
    // Status writes cannot change spec, even if a caller tries.
    await client.patch(
      ref,
      { spec: { size: 99 }, status: { phase: 'X' } },
      { type: 'merge', subresource: 'status' },
    );
    expect((await client.get(ref)).spec).toEqual({ size: 3 });
  });

  it('records an events.k8s.io/v1 Event about an object', async () => {
    const widget = await client.get({ apiVersion: `${GROUP}/v1`, kind: 'Widget', namespace: ns, name: 'w1' });
    const event = await client.createEvent({
      regarding: widget,
      type: 'Normal',
      reason: 'Reconciled',
      note: 'all components applied',
      action: 'Reconcile',
      reportingController: 'storefront.dev/operator',
      reportingInstance: 'test-replica',
    });
    expect(event.metadata.namespace).toBe(ns);
    const events = await client.list({ apiVersion: 'events.k8s.io/v1', kind: 'Event', namespace: ns });
    const ours = events.items.find((e) => e.metadata.name === event.metadata.name) as
      | (KubeObject & { reason?: string; regarding?: { uid?: string } })
      | undefined;
    expect(ours?.reason).toBe('Reconciled');
    expect(ours?.regarding?.uid).toBe(widget.metadata.uid);
  });

  it('discovers served kinds and reports optional APIs that are absent', async () => {
    expect(await client.hasApi('', 'v1', 'ConfigMap')).toBe(true);
    expect(await client.hasApi('coordination.k8s.io', 'v1', 'Lease')).toBe(true);
    expect(await client.hasApi('apps', 'v1', 'Deployment')).toBe(true);
    expect(await client.hasApi('nothing-here.storefront.dev', 'v1', 'Thing')).toBe(false);
    expect(await client.hasApi(GROUP, 'v1', 'Gadget')).toBe(false);
    const dep = await client.resourceFor('apps/v1', 'Deployment');
    expect(dep).toMatchObject({ plural: 'deployments', namespaced: true });
    expect(dep?.subresources).toEqual(expect.arrayContaining(['status', 'scale']));
    const err = await client
      .get({ apiVersion: 'nothing-here.storefront.dev/v1', kind: 'Thing', namespace: ns, name: 'x' })
      .catch((e: unknown) => e);
    expect((err as Error).message).toContain('does not serve Thing');
  });

  it('when applyAll runs with an owner, then children are owned except PVCs; a resync with the live copies writes nothing; pruneOwned deletes the rest but never the PVC', async () => {
    const owner = await client.apply(
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'Widget',
        metadata: { name: 'owner', namespace: ns },
        spec: { size: 1 },
      },
      { fieldManager: FM },
    );
    const labels = {
      'app.kubernetes.io/instance': 'owner',
      'app.kubernetes.io/managed-by': 'kube-client-test',
    };
    const meta = (name: string) => ({ name, namespace: ns, labels });
    const desired: KubeObject[] = [
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: meta('owner-app'),
        spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('owner-config'), data: { a: '1' } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: meta('owner-secret'),
        type: 'Opaque',
        stringData: { password: 'p' },
      },
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: meta('owner-data'),
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
      },
    ];
    // The live copies as an informer would hold them (nothing yet on the first pass).
    const liveMap = new Map<string, KubeObject>();
    const live = (ref: { kind: string; name: string }) => liveMap.get(`${ref.kind}/${ref.name}`);
    const first = await applyAll(client, desired, { fieldManager: FM, owner, live });
    expect(first.applied).toHaveLength(4);
    expect(first.objects.map((o) => o.kind)).toEqual([
      'Secret',
      'ConfigMap',
      'Service',
      'PersistentVolumeClaim',
    ]);
    for (const o of first.objects) {
      const owned = (o.metadata.ownerReferences ?? []).some(
        (r) => r.uid === owner.metadata.uid && r.controller,
      );
      expect([o.kind, owned]).toEqual([o.kind, o.kind !== 'PersistentVolumeClaim']);
    }

    // Second pass: the ConfigMap, Service and PVC already hold every desired field, so nothing is
    // sent for them; a Secret's stringData never reads back, so the Secret is sent again.
    for (const o of desired) {
      const current = await client.get({
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: ns,
        name: o.metadata.name!,
      });
      liveMap.set(`${o.kind}/${o.metadata.name}`, current);
    }
    const applyCountBefore = requests.filter((r) => r.verb === 'apply').length;
    const second = await applyAll(client, desired, { fieldManager: FM, owner, live });
    expect(second.unchanged.map((r) => r.kind).sort()).toEqual([
      'ConfigMap',
      'PersistentVolumeClaim',
      'Service',
    ]);
    expect(second.applied.map((r) => r.kind)).toEqual(['Secret']);
    expect(requests.filter((r) => r.verb === 'apply').length - applyCountBefore).toBe(second.applied.length);

    const pruned = await pruneOwned(client, {
      namespace: ns,
      kinds: [
        { apiVersion: 'v1', kind: 'Secret' },
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { apiVersion: 'v1', kind: 'Service' },
        { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
        { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
      ],
      labelSelector: labels,
      keep: [desired[1]!],
      ownerUid: owner.metadata.uid!,
    });
    expect(pruned.deleted.map((r) => `${r.kind}/${r.name}`).sort()).toEqual([
      'Secret/owner-secret',
      'Service/owner-app',
    ]);
    expect(pruned.skippedKinds.map((k) => k.kind)).toEqual(
      (await client.hasApi('gateway.networking.k8s.io', 'v1', 'HTTPRoute')) ? [] : ['HTTPRoute'],
    );
    expect(
      await client.tryGet({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: ns,
        name: 'owner-data',
      }),
    ).toBeDefined();
    expect(
      await client.tryGet({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'owner-config' }),
    ).toBeDefined();
  });

  it('dryRunDiff tells create, update and unchanged apart without writing', async () => {
    const base: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'diffed', namespace: ns },
      data: { a: '1' },
    };
    const [created] = await dryRunDiff(client, [base], { fieldManager: FM });
    expect(created?.action).toBe('create');
    expect(
      await client.tryGet({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'diffed' }),
    ).toBeUndefined();
    await client.apply(base, { fieldManager: FM });
    const [same] = await dryRunDiff(client, [base], { fieldManager: FM });
    expect(same?.action).toBe('unchanged');
    const [changed] = await dryRunDiff(client, [{ ...base, data: { a: '2' } }], { fieldManager: FM });
    expect(changed?.action).toBe('update');
    expect(changed?.before?.data).toEqual({ a: '1' });
    expect(changed?.after.data).toEqual({ a: '2' });
  });

  it('waitForObject waits for a Deployment to roll out on the fake nodes', async () => {
    await client.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              automountServiceAccountToken: false,
              containers: [{ name: 'web', image: 'registry.k8s.io/pause:3.10' }],
            },
          },
        },
      },
      { fieldManager: FM },
    );
    const done = await waitForObject(
      client,
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'web' },
      rolloutComplete,
      'Deployment web rolled out',
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    expect((done?.status as { availableReplicas?: number } | undefined)?.availableReplicas).toBe(1);
  });

  it('counts requests by verb and reports HTTP codes to the hook', () => {
    const counts = client.requestCounts();
    expect(counts['apply']).toBeGreaterThan(0);
    expect(counts['get']).toBeGreaterThan(0);
    expect(requests.some((r) => r.verb === 'get' && r.code === '404')).toBe(true);
    expect(requests.some((r) => r.verb === 'apply' && r.code === '200')).toBe(true);
  });
});
