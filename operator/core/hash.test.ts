import { describe, expect, it } from 'vitest';
import { canonicalJson, objectHash } from './hash.ts';

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

/** The first definition, as a reference: objectHash must give exactly its hashes. */
function referenceJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(referenceJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${referenceJson(record[k])}`)
    .join(',')}}`;
}

describe('canonicalJson', () => {
  it('when keys are out of order at any depth, then they come out sorted', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ y: 1, x: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"x":2,"y":1}]},"b":1}',
    );
  });

  it('when a value is already in order, then it is written as it is', () => {
    const value = { a: 1, b: [1, 'two', { c: true }] };
    expect(canonicalJson(value)).toBe(JSON.stringify(value));
  });

  it('when values need the original walk (undefined array slots, index keys, __proto__, a Date, a function), then the text is the reference one', () => {
    const proto = JSON.parse('{"__proto__": {"x": 1}, "a": 2}');
    const values: unknown[] = [
      [1, undefined, 2],
      // biome-ignore lint/suspicious/noSparseArray: a hole is one of the cases
      [1, , 3],
      { 10: 'a', 9: 'b', x: 'c', '01': 'd' },
      { data: { 8080: 'port', name: 'x' } },
      proto,
      { when: new Date(0), b: 1 },
      { f: () => 1, a: 1 },
      { nested: { list: [{ b: undefined, a: [undefined] }] } },
    ];
    for (const v of values) expect(canonicalJson(v), JSON.stringify(v)).toBe(referenceJson(v));
  });

  it('when given many random values, then every text equals the reference one', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const keys = ['a', 'b', 'z', 'name', 'Kind', '0', '7', '12', 'é', 'a b', '__x', '"q"'];
    const gen = (depth: number): unknown => {
      const pick = rand(depth > 3 ? 6 : 9);
      if (pick === 0) return null;
      if (pick === 1) return rand(1000) - 500;
      if (pick === 2) return `s${rand(50)}`;
      if (pick === 3) return rand(2) === 0;
      if (pick === 4) return undefined;
      if (pick === 5) return rand(7) / 3;
      if (pick === 6) return Array.from({ length: rand(4) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = rand(5); i > 0; i--) o[keys[rand(keys.length)]!] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 2000; i++) {
      const v = gen(0);
      expect(canonicalJson(v), JSON.stringify(v)).toBe(referenceJson(v));
    }
  });
});
