import { describe, expect, it } from 'vitest';
import { objectHash } from './hash.ts';

describe('objectHash', () => {
  it('does not depend on key order', () => {
    expect(objectHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(objectHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(objectHash({ a: 1 })).not.toBe(objectHash({ a: 2 }));
  });

  it('when the implementation changes, then the hash of a value stays what it was (live objects carry it)', () => {
    // The value computed by the first implementation (map/filter/join); a changed hash would make
    // every operator upgrade re-apply every object once.
    const value = {
      kind: 'Deployment',
      metadata: { name: 'shop-app', labels: { b: '2', a: '1' }, skipped: undefined },
      spec: { replicas: 2, list: [1, undefined, { z: null, y: 'é' }] },
    };
    expect(objectHash(value)).toBe('bf6470b2cf208745eb7576c1ae5882eb');
  });
});
