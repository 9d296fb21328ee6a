import { describe, expect, it } from 'vitest';
import { containsAll, objectHash, sortForApply, withOwner } from './apply-all.ts';
import type { KubeObject } from './types.ts';

const obj = (kind: string, name: string, namespace = 'shop'): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace },
});

describe('sortForApply', () => {
  it('when objects come in any order, then isolation goes first, config next, workloads after, entry points last', () => {
    const sorted = sortForApply([
      obj('Certificate', 'c'),
      obj('Ingress', 'i'),
      obj('Deployment', 'd'),
      obj('Cluster', 'pg'),
      obj('SomethingNew', 'x'),
      obj('Service', 's'),
      obj('Secret', 'b'),
      obj('Secret', 'a'),
      obj('ServiceAccount', 'sa'),
      obj('PersistentVolumeClaim', 'p'),
      obj('StatefulSet', 'st'),
      obj('PodDisruptionBudget', 'pdb'),
      obj('HTTPRoute', 'r'),
      obj('NetworkPolicy', 'np'),
    ]);
    expect(sorted.map((o) => o.metadata.name)).toEqual([
      'np',
      'sa',
      'b',
      'a',
      's',
      'p',
      'st',
      'pg',
      'd',
      'pdb',
      'x',
      'c',
      'i',
      'r',
    ]);
  });
});

describe('withOwner', () => {
  const owner: KubeObject = {
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'demo', namespace: 'shop', uid: 'u-1' },
  };

  it('when owner and object share a namespace, then the owner becomes the controller', () => {
    const owned = withOwner(obj('Service', 'demo-app'), owner);
    expect(owned.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'storefront.dev/v1alpha1',
        kind: 'Storefront',
        name: 'demo',
        uid: 'u-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('when the object lives in another namespace, then it throws naming both', () => {
    expect(() => withOwner(obj('Service', 'x', 'other'), owner)).toThrow(/other\/x.*shop\/demo/);
  });

  it('when the owner has no uid, then it says to pass the object read from the API', () => {
    expect(() =>
      withOwner(obj('Service', 'x'), { ...owner, metadata: { name: 'demo', namespace: 'shop' } }),
    ).toThrow(/no uid/);
  });
});

describe('containsAll', () => {
  it('when the server added fields, then the live object still contains the desired one', () => {
    const desired = { spec: { replicas: 2, template: { containers: [{ name: 'a', image: 'x' }] } } };
    const live = {
      metadata: { uid: '1' },
      spec: {
        replicas: 2,
        strategy: {},
        template: { containers: [{ name: 'a', image: 'x', imagePullPolicy: 'IfNotPresent' }] },
      },
    };
    expect(containsAll(live, desired)).toBe(true);
  });

  it('when a value differs or a list changed length, then it does not', () => {
    expect(containsAll({ spec: { replicas: 3 } }, { spec: { replicas: 2 } })).toBe(false);
    expect(containsAll({ a: [1, 2, 3] }, { a: [1, 2] })).toBe(false);
    expect(containsAll({ a: {} }, { a: { b: 1 } })).toBe(false);
  });
});

describe('objectHash', () => {
  it('does not depend on key order', () => {
    expect(objectHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(objectHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(objectHash({ a: 1 })).not.toBe(objectHash({ a: 2 }));
  });
});
