import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/object.ts';
import { FINALIZER } from './reconcile-storefront.ts';
import { storefrontChanged } from './storefront-events.ts';

const base: KubeObject = {
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: {
    name: 'shop',
    namespace: 'ns',
    uid: 'u1',
    generation: 1,
    resourceVersion: '10',
    labels: { team: 'a' },
    annotations: { note: 'x' },
  },
  spec: { host: 'shop.example.com', app: { replicas: 2 } },
};
const next = (change: (o: KubeObject) => void): KubeObject => {
  const o = structuredClone(base);
  o.metadata.resourceVersion = '11';
  change(o);
  return o;
};
const changed = (n: KubeObject, o: KubeObject = base) => storefrontChanged(o, n, FINALIZER);

describe('storefrontChanged: which Storefront updates queue a reconcile', () => {
  it('when only status or resourceVersion changed, then nothing is queued', () => {
    expect(changed(next((o) => (o['status'] = { conditions: [{ type: 'Ready', status: 'True' }] })))).toBe(
      false,
    );
    expect(changed(next(() => undefined))).toBe(false);
  });

  it('when the operator added its finalizer (alone, or beside status), then nothing is queued', () => {
    expect(changed(next((o) => (o.metadata.finalizers = [FINALIZER])))).toBe(false);
    const withOther = next((o) => (o.metadata.finalizers = ['other/keep']));
    const both = next((o) => {
      o.metadata.finalizers = ['other/keep', FINALIZER];
      o['status'] = { url: 'x' };
    });
    expect(changed(both, withOther)).toBe(false);
  });

  it("when the spec, labels, annotations, generation, deletion or others' finalizers change, or ours is removed, then it is queued", () => {
    expect(changed(next((o) => ((o['spec'] as { host: string }).host = 'other.example.com')))).toBe(true);
    expect(changed(next((o) => (o.metadata.generation = 2)))).toBe(true);
    expect(changed(next((o) => (o.metadata.labels = { team: 'b' })))).toBe(true);
    expect(changed(next((o) => (o.metadata.annotations = { note: 'x', 'test/nudge': '1' })))).toBe(true);
    expect(changed(next((o) => (o.metadata.deletionTimestamp = '2026-12-02T00:00:00Z')))).toBe(true);
    expect(changed(next((o) => (o.metadata.finalizers = ['other/keep'])))).toBe(true);
    expect(changed(next((o) => (o.metadata.finalizers = [FINALIZER, 'other/keep'])))).toBe(true);
    expect(changed(next((o) => (o.metadata.uid = 'u2')))).toBe(true);
    const ours = next((o) => (o.metadata.finalizers = [FINALIZER]));
    expect(
      changed(
        next(() => undefined),
        ours,
      ),
    ).toBe(true);
  });
});
