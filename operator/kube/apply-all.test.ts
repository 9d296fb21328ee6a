import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/object.ts';
import { containsAll, withOwner } from './apply-all.ts';

const obj = (kind: string, name: string, namespace = 'shop'): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace },
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
