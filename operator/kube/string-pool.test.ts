import { describe, expect, it } from 'vitest';
import { StringPool } from './string-pool.ts';

const deployment = () =>
  JSON.parse(
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'shop-app',
        namespace: 'shop',
        uid: '6f1c2a4e-0000-4000-8000-000000000001',
        resourceVersion: '1234',
        creationTimestamp: '2026-12-03T06:00:00Z',
        labels: { 'app.kubernetes.io/managed-by': 'storefront', 'storefront.dev/storefront': 'shop' },
      },
      spec: {
        template: {
          spec: {
            containers: [{ name: 'app', image: 'shop:1', command: ['node', 'main.js'] }],
          },
        },
      },
      status: { conditions: [{ type: 'Available', lastTransitionTime: '2026-12-03T06:01:00Z' }] },
    }),
  );

describe('StringPool', () => {
  it('leaves every value equal: nothing a reader of the cache sees changes', () => {
    const pool = new StringPool();
    const obj = deployment();
    expect(pool.internAll(obj)).toEqual(deployment());
  });

  it('pools repeated values, in nested objects and arrays, and skips per-object ones', () => {
    const pool = new StringPool();
    pool.internAll(deployment());
    const size = pool.size;
    // The same content again adds nothing: each string is pooled once.
    pool.internAll(deployment());
    expect(pool.size).toBe(size);
    const second = new StringPool();
    second.internAll({ a: ['node', { b: 'main.js' }] });
    expect(second.size).toBe(2);
    // uid, resourceVersion and timestamps are unique per object: never pooled.
    const unique = new StringPool();
    unique.internAll({
      metadata: { uid: 'u', resourceVersion: '1', creationTimestamp: 't' },
      status: { conditions: [{ lastTransitionTime: 't2' }] },
    });
    expect(unique.size).toBe(0);
  });

  it("never pools a Secret's data or stringData", () => {
    const pool = new StringPool();
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { password: 'c2VjcmV0' },
      stringData: { token: 'secret' },
    };
    pool.internAll(secret);
    expect(pool.size).toBe(3); // v1, Secret and creds: nothing under data or stringData
    expect(secret.data.password).toBe('c2VjcmV0');
  });

  it('stays within its bound: a full pool starts over', () => {
    const pool = new StringPool(3);
    pool.internAll(['a', 'b', 'c']);
    expect(pool.size).toBe(3);
    pool.internAll(['d']);
    expect(pool.size).toBe(1);
    expect(pool.intern('d')).toBe('d');
  });

  it('does not pool strings longer than 4 KiB', () => {
    const pool = new StringPool();
    const long = 'x'.repeat(4097);
    expect(pool.intern(long)).toBe(long);
    expect(pool.size).toBe(0);
  });
});
