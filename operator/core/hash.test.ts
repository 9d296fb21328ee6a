import { describe, expect, it } from 'vitest';
import { objectHash } from './hash.ts';

describe('objectHash', () => {
  it('does not depend on key order', () => {
    expect(objectHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(objectHash({ b: { d: [1, 2], c: 2 }, a: 1 }));
    expect(objectHash({ a: 1 })).not.toBe(objectHash({ a: 2 }));
  });
});
