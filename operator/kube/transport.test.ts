import { describe, expect, it } from 'vitest';
import { queryString } from './transport.ts';

describe('queryString', () => {
  it('when there is no query or only undefined values, then it is empty', () => {
    expect(queryString(undefined)).toBe('');
    expect(queryString({ limit: undefined })).toBe('');
  });

  it('when values are set, then they are joined in order and percent-encoded as URLSearchParams would parse them', () => {
    const query = {
      labelSelector: 'storefront.dev/storefront,app.kubernetes.io/managed-by in (storefront, x)',
      limit: 500,
      watch: true,
      continue: undefined,
      fieldManager: 'a&b=c',
    };
    const text = queryString(query);
    expect(text.startsWith('?labelSelector=')).toBe(true);
    expect(text).not.toMatch(/[ ,]/);
    expect(Object.fromEntries(new URLSearchParams(text))).toEqual({
      labelSelector: query.labelSelector,
      limit: '500',
      watch: 'true',
      fieldManager: 'a&b=c',
    });
  });
});
