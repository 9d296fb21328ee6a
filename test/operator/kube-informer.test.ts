// The informer against the real API server: it sees adds, updates and deletes, keeps only what
// its label selector selects, and recovers on its own when its watch is cut, when its
// resourceVersion has expired (410 → relist) and when the watch goes silent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../operator/core/object.ts';
import { createKubeClient, type KubeClient } from '../../operator/kube/client.ts';
import { Informer } from '../../operator/kube/informer.ts';
import { testCluster } from '../cluster/context.ts';
import { eventually } from '../support/eventually.ts';
import {
  createNamespace,
  deleteCrd,
  deleteNamespace,
  inOwnNamespace,
  installCrd,
  testCrd,
} from '../support/kube.ts';

const FM = 'kube-informer-test';
const GROUP = 'kubetest.storefront.dev';

const gizmoCrd = testCrd('Gizmo');

describe('Informer on the real API server', () => {
  let client: KubeClient;
  let ns: string;
  const informers: Informer[] = [];

  const cm = (
    name: string,
    value: string,
    labels: Record<string, string> = { watched: 'yes' },
  ): KubeObject => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: ns, labels },
    data: { value },
  });
  const start = (extra: Partial<ConstructorParameters<typeof Informer>[1]> = {}) => {
    const inf = new Informer(client, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: ns,
      labelSelector: { watched: 'yes' },
      minBackoffMs: 100,
      ...extra,
    });
    informers.push(inf);
    return inf;
  };

  beforeAll(async () => {
    client = createKubeClient({ kubeconfig: testCluster().kubeconfig });
    ns = await createNamespace(client, 'kube-informer');
  });

  afterAll(async () => {
    for (const inf of informers) await inf.stop();
    await deleteNamespace(client, ns);
    await deleteCrd(client, gizmoCrd);
  });

  it('when objects are added, updated and deleted, then the cache and handlers follow, and unselected objects stay out', async () => {
    await client.apply(cm('before', '0'), { fieldManager: FM });
    const inf = start();
    const seen: string[] = [];
    inf.on({
      add: (o) => seen.push(`add ${o.metadata.name}`),
      update: (o, n) =>
        seen.push(
          `update ${n.metadata.name} ${(o.data as { value: string }).value}->${(n.data as { value: string }).value}`,
        ),
      delete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    inf.start();
    await inf.synced;
    expect(inf.hasSynced()).toBe(true);
    expect(inf.get(ns, 'before')?.data).toEqual({ value: '0' });

    await client.apply(cm('one', '1'), { fieldManager: FM });
    await client.apply(cm('ignored', 'x', { watched: 'no' }), { fieldManager: FM });
    await eventually('add of one', () => inf.get(ns, 'one'));
    await client.apply(cm('one', '2'), { fieldManager: FM });
    await eventually('update of one', () => (inf.get(ns, 'one')?.data as { value?: string })?.value === '2');
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'one' });
    await eventually('delete of one', () => inf.get(ns, 'one') === undefined);

    expect(seen).toEqual(['add before', 'add one', 'update one 1->2', 'delete one']);
    expect(inf.get(ns, 'ignored')).toBeUndefined();
    expect(inf.list().map((o) => o.metadata.name)).toEqual(['before']);
    // The cache keeps plain JSON without managedFields.
    expect(inf.get(ns, 'before')?.metadata.managedFields).toBeUndefined();
  });

  it('when `keep` refuses objects, then only their names are remembered, through the list, the watch, a change of heart and a delete', async () => {
    const labels = { watched: 'yes' };
    await client.apply(cm('refused-listed', 'no', labels), { fieldManager: FM });
    const inf = start({ keep: (o) => (o.data as { value?: string } | undefined)?.value !== 'no' });
    inf.start();
    await inf.synced;
    expect(inf.get(ns, 'refused-listed')).toBeUndefined();
    expect(inf.passedOver(ns, 'refused-listed')).toBe(true);

    await client.apply(cm('refused-watched', 'no', labels), { fieldManager: FM });
    await client.apply(cm('kept-marker', 'yes', labels), { fieldManager: FM });
    await eventually('the marker after the refused one', () => inf.get(ns, 'kept-marker'));
    expect(inf.get(ns, 'refused-watched')).toBeUndefined();
    expect(inf.passedOver(ns, 'refused-watched')).toBe(true);
    expect(inf.passedOver(ns, 'kept-marker')).toBe(false);
    expect(inf.passedOver(ns, 'never-created')).toBe(false);

    // Kept after all: held, no longer only a name. Deleted: neither.
    await client.apply(cm('refused-listed', 'yes', labels), { fieldManager: FM });
    await eventually('the object now kept', () => inf.get(ns, 'refused-listed'));
    expect(inf.passedOver(ns, 'refused-listed')).toBe(false);
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'refused-watched' });
    await eventually('the deleted name forgotten', () => !inf.passedOver(ns, 'refused-watched'));
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'refused-listed' });
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'kept-marker' });
  });

  it('when it watches metadata only, then it sees objects by name without their data', async () => {
    await client.apply(cm('meta-listed', 'secret-ish'), { fieldManager: FM });
    const raw: KubeObject[] = [];
    const inf = start({
      metadataOnly: true,
      transform: (o) => {
        raw.push(o);
        return o;
      },
    });
    inf.start();
    await inf.synced;
    await client.apply(cm('meta-watched', 'secret-ish'), { fieldManager: FM });
    await eventually('the watched one', () => inf.get(ns, 'meta-watched'));
    expect(inf.get(ns, 'meta-listed')).toBeDefined();
    expect(raw.length).toBeGreaterThanOrEqual(2);
    for (const o of raw) {
      expect(o.kind).toBe('PartialObjectMetadata');
      expect(o['data']).toBeUndefined();
    }
    for (const name of ['meta-listed', 'meta-watched'])
      await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name });
  });

  it('when objects come through the list and the watch, then none holds managedFields (cut from the text before parsing)', async () => {
    await client.apply(cm('mf-listed', '1'), { fieldManager: FM });
    const raw: KubeObject[] = [];
    const inf = start({
      transform: (o) => {
        raw.push(o);
        return o;
      },
    });
    inf.start();
    await inf.synced;
    await client.apply(cm('mf-watched', '1'), { fieldManager: FM });
    await eventually('the watched one', () => inf.get(ns, 'mf-watched'));
    // The server does send them: the apply's own answer has them.
    const answer = await client.apply(cm('mf-watched', '2'), { fieldManager: FM });
    expect(answer.metadata.managedFields?.length).toBeGreaterThan(0);
    await eventually(
      'the update',
      () => (inf.get(ns, 'mf-watched')?.data as { value?: string })?.value === '2',
    );
    expect(raw.map((o) => o.metadata.name)).toEqual(expect.arrayContaining(['mf-listed', 'mf-watched']));
    for (const o of raw) {
      expect(o.metadata.managedFields).toBeUndefined();
      expect(o.metadata.uid).toBeTruthy();
      expect(o.data).toBeDefined();
    }
  });

  it('when specFollowsGeneration is set, then an update of the same generation keeps the cached spec and a spec change replaces it', async () => {
    const pdb = (minAvailable: number, labels: Record<string, string> = {}): KubeObject => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'gen', namespace: ns, labels: { watched: 'yes', ...labels } },
      spec: { minAvailable, selector: { matchLabels: { app: 'gen-test' } } },
    });
    const pdbInformer = (specFollowsGeneration: boolean) => {
      const inf = new Informer(client, {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        namespace: ns,
        labelSelector: { watched: 'yes' },
        specFollowsGeneration,
      });
      informers.push(inf);
      inf.start();
      return inf;
    };
    await client.apply(pdb(1), { fieldManager: FM });
    const keeping = pdbInformer(true);
    const plain = pdbInformer(false);
    await Promise.all([keeping.synced, plain.synced]);
    const specOf = (inf: Informer) => inf.get(ns, 'gen')?.spec as { minAvailable?: number } | undefined;
    const kept = specOf(keeping);
    const plainBefore = specOf(plain);
    expect(kept?.minAvailable).toBe(1);

    // A label: a new resourceVersion, the same generation.
    await client.apply(pdb(1, { touched: '1' }), { fieldManager: FM });
    for (const inf of [keeping, plain])
      await eventually('the label', () => inf.get(ns, 'gen')?.metadata.labels?.['touched'] === '1');
    expect(keeping.get(ns, 'gen')?.metadata.generation).toBe(1);
    expect(specOf(keeping)).toBe(kept);
    // Without the option the same event brings a new (equal) spec object.
    expect(specOf(plain)).not.toBe(plainBefore);
    expect(specOf(plain)).toEqual(plainBefore);

    // A spec change bumps the generation: the new spec replaces the cached one.
    await client.apply(pdb(2, { touched: '1' }), { fieldManager: FM });
    await eventually('the new spec', () => specOf(keeping)?.minAvailable === 2);
    expect(keeping.get(ns, 'gen')?.metadata.generation).toBe(2);
    expect(specOf(keeping)).not.toBe(kept);
    await client.delete({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', namespace: ns, name: 'gen' });
  });

  it('when its watch is cut, then it resumes from where it was and misses nothing', async () => {
    const inf = start().start();
    await inf.synced;
    await eventually('watch open', () => inf.health().watching);
    const before = inf.health().watchRestarts;
    inf.forceCloseWatch();
    await client.apply(cm('during-cut', 'a'), { fieldManager: FM });
    await eventually('object created while the watch was cut', () => inf.get(ns, 'during-cut'));
    expect(inf.health().watchRestarts).toBeGreaterThan(before);
    expect(inf.health().relists).toBe(1);
    await client.apply(cm('after-cut', 'b'), { fieldManager: FM });
    await eventually('object created after the watch resumed', () => inf.get(ns, 'after-cut'));
  });

  it('when it resumes from an expired resourceVersion, then the 410 makes it relist, delivering what changed meanwhile', async () => {
    // A kind whose watch cache starts now: resourceVersion 1 is older than anything it holds, so
    // the API server answers 410 Gone (on a young cluster, ConfigMap's cache may still reach back to 1).
    await installCrd(client, gizmoCrd);
    const gizmo = (name: string): KubeObject => ({
      apiVersion: `${GROUP}/v1`,
      kind: 'Gizmo',
      metadata: { name, namespace: ns },
    });
    await client.apply(gizmo('a'), { fieldManager: FM });
    const inf = start({ apiVersion: `${GROUP}/v1`, kind: 'Gizmo', labelSelector: '' }).start();
    const deleted: string[] = [];
    inf.on({ delete: (o) => deleted.push(o.metadata.name!) });
    await inf.synced;
    await eventually('Gizmo a cached and the watch open', () => inf.get(ns, 'a') && inf.health().watching);
    const relists = inf.health().relists;
    inf.forceCloseWatch('1');
    await client.delete({ apiVersion: `${GROUP}/v1`, kind: 'Gizmo', namespace: ns, name: 'a' });
    await eventually('relist after 410', () => inf.health().relists > relists);
    expect(inf.health().resourceVersionResets).toBe(1);
    await eventually('delete seen', () => inf.get(ns, 'a') === undefined);
    expect(deleted).toEqual(['a']);
    await client.apply(gizmo('b'), { fieldManager: FM });
    await eventually('watching again after relist', () => inf.get(ns, 'b'));
  });

  it('when objects change owner label, are deleted or the cache relists, then an index answers with exactly the matching objects', async () => {
    const inf = start({ labelSelector: { watched: 'yes', indexed: 'yes' }, watchTimeoutSeconds: 1 });
    inf.addIndex('team', (o) => o.metadata.labels?.['team']);
    inf.start();
    await inf.synced;
    const names = (team: string) =>
      inf
        .byIndex('team', team)
        .map((o) => o.metadata.name)
        .sort();
    const labelled = (team: string) => ({ watched: 'yes', indexed: 'yes', team });
    await client.apply(cm('i1', '1', labelled('red')), { fieldManager: FM });
    await client.apply(cm('i2', '1', labelled('red')), { fieldManager: FM });
    await client.apply(cm('i3', '1', labelled('blue')), { fieldManager: FM });
    await eventually('three indexed', () => inf.size() === 3);
    expect(names('red')).toEqual(['i1', 'i2']);
    expect(names('blue')).toEqual(['i3']);
    await client.apply(cm('i2', '2', labelled('blue')), { fieldManager: FM });
    await eventually('i2 moved', () => names('blue').length === 2);
    expect(names('red')).toEqual(['i1']);
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'i1' });
    await eventually('i1 gone', () => names('red').length === 0);
    // Blind it (a watch from a resourceVersion the server has not reached) while i3 goes: only
    // the relist that follows can notice, and it must rebuild the index without i3.
    const relists = inf.health().relists;
    inf.forceCloseWatch('999999999999');
    await client.delete({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'i3' });
    await eventually('relisted', () => inf.health().relists > relists);
    expect(names('blue')).toEqual(['i2']);
    expect(names('red')).toEqual([]);
    // An index added to a synced cache covers what is already there.
    const late = start({ labelSelector: { watched: 'yes', indexed: 'yes' } }).start();
    await late.synced;
    late.addIndex('team', (o) => o.metadata.labels?.['team']);
    expect(late.byIndex('team', 'blue').map((o) => o.metadata.name)).toEqual(['i2']);
    expect(() => inf.byIndex('colour', 'x')).toThrow(/no index "colour"/);
  });

  it('when the watch stays silent past quietTimeoutMs, then it is restarted and still delivers later events', async () => {
    await inOwnNamespace(client, 'kube-informer-quiet', async (quietNs) => {
      const inf = start({ namespace: quietNs, quietTimeoutMs: 1_500 }).start();
      await inf.synced;
      await eventually('a quiet restart', () => inf.health().quietTimeouts >= 1, 30_000);
      // A silent watch is replaced by a fresh list and watch.
      await eventually('relist after silence', () => inf.health().relists >= 2);
      expect(inf.isStalled()).toBe(false);
      await client.apply(
        { ...cm('wake', 'up'), metadata: { name: 'wake', namespace: quietNs, labels: { watched: 'yes' } } },
        {
          fieldManager: FM,
        },
      );
      await eventually('event after quiet restart', () => inf.get(quietNs, 'wake'));
    });
  });

  it('when the watch resumes from a resourceVersion the server has not reached, then it relists after a few silent watches and delivers again', async () => {
    await inOwnNamespace(client, 'kube-informer-future', async (futureNs) => {
      // The API server holds such a watch open without a word until its timeout (an etcd restored
      // from an older backup looks like this to every client).
      const inf = start({ namespace: futureNs, watchTimeoutSeconds: 1 }).start();
      await inf.synced;
      const relists = inf.health().relists;
      inf.forceCloseWatch('999999999999');
      await eventually('relist after silent watches', () => inf.health().relists > relists, 60_000);
      await client.apply(
        {
          ...cm('back', 'again'),
          metadata: { name: 'back', namespace: futureNs, labels: { watched: 'yes' } },
        },
        { fieldManager: FM },
      );
      await eventually('event after the relist', () => inf.get(futureNs, 'back'));
      expect(inf.health().quietTimeouts).toBe(0);
    });
  });
});
