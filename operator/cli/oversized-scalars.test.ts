import { describe, expect, it } from 'vitest';
import { specSchema } from '../api/storefront-schema.ts';
import { ECHO_LIMIT } from '../api/validate-schema.ts';
import {
  describeOversized,
  LONGEST_SPEC_STRING,
  longestString,
  oversizedScalars,
} from './oversized-scalars.ts';

const LIMIT = 100;
const PARSE = 10_000;
const head =
  'apiVersion: storefront.dev/v1alpha1\nkind: Storefront\nmetadata:\n  name: shop\nspec:\n  host: shop.example.com\n';
const long = (c = 'a', n = 1000) => c.repeat(n);

describe('naming the over-long scalars of a file too large to parse', () => {
  it('when a plain, quoted or block scalar is over-long, then its key path, length and a prefix are named', () => {
    const text = `${head}  app:\n    image: ${long('p')}\n    env:\n    - name: A\n      value: "${long('q')}"\n    - name: B\n      value: |\n        ${long('b')}\n        ${long('b')}\n  cdn:\n    originHost: '${long('s', 500)}'\n`;
    const found = oversizedScalars(text, LIMIT, PARSE);
    // Longest first: the block scalar (two lines), the quoted one, the plain one, the single-quoted one.
    expect(found.map((f) => [f.document, f.path, f.key])).toEqual([
      [1, 'spec.app.env[1].value', false],
      [1, 'spec.app.env[0].value', false],
      [1, 'spec.app.image', false],
      [1, 'spec.cdn.originHost', false],
    ]);
    const image = found.find((f) => f.path === 'spec.app.image')!;
    expect(image.length).toBe(1000);
    expect(image.prefix).toBe('p'.repeat(ECHO_LIMIT));
    expect(found.find((f) => f.path === 'spec.app.env[0].value')!.prefix).toBe('q'.repeat(ECHO_LIMIT));
  });

  it('when the stream is JSON, then paths go through arrays and objects alike', () => {
    const text = JSON.stringify({
      spec: {
        host: 'x',
        app: {
          env: [
            { name: 'A', value: 'b' },
            { name: 'B', value: long() },
          ],
        },
      },
    });
    expect(oversizedScalars(text, LIMIT, PARSE).map((f) => f.path)).toEqual(['spec.app.env[1].value']);
  });

  it('when a key is over-long, then the map holding it is named and the key flagged', () => {
    const found = oversizedScalars(`${head}  app:\n    podAnnotations:\n      ${long()}: x\n`, LIMIT, PARSE);
    expect(found).toMatchObject([{ path: 'spec.app.podAnnotations', key: true, length: 1000 }]);
    expect(describeOversized(found[0]!)).toBe(
      `document 1: spec.app.podAnnotations: Too long: a key of 1000 characters (starts "${'a'.repeat(ECHO_LIMIT)}"...); no field of a Storefront spec takes more than ${LONGEST_SPEC_STRING}`,
    );
  });

  it('when the file holds several documents, then each scalar is placed in its own', () => {
    const found = oversizedScalars(`${head}---\n${head}  app:\n    image: ${long()}\n`, LIMIT, PARSE);
    expect(found).toMatchObject([{ document: 2, path: 'spec.app.image' }]);
  });

  it('when only comments or many short fields make the file large, then nothing is named', () => {
    const text = `${head}# ${long('#', 5000)}\n  app:\n    env:\n${'    - name: A\n      value: b\n'.repeat(200)}`;
    expect(oversizedScalars(text, LIMIT, PARSE)).toEqual([]);
  });

  it('when the rest of the file is itself too large to parse, then the scalars are counted without a path', () => {
    const text = `${head}  app:\n    image: ${long()}\n    env:\n${'    - name: A\n      value: b\n'.repeat(500)}`;
    const found = oversizedScalars(text, LIMIT, 1000);
    expect(found).toMatchObject([{ document: 0, length: 1000 }]);
    expect(found[0]!.path).toBeUndefined();
    expect(describeOversized(found[0]!)).toMatch(/^a value: Too long: 1000 characters/);
  });

  it('when the spec schema is read, then the longest string a field takes is derived from it (every string is bounded)', () => {
    expect(longestString(specSchema)).toBe(LONGEST_SPEC_STRING);
    expect(Number.isFinite(LONGEST_SPEC_STRING)).toBe(true);
    expect(LONGEST_SPEC_STRING).toBeGreaterThanOrEqual(512);
  });
});
