import { describe, expect, it } from 'vitest';
import {
  baseDoc,
  caseDoc,
  DIGEST,
  invalidSpecs,
  pinnedImages,
  tooLongName,
} from './testdata/invalid-specs.ts';
import { parseStorefront, validateStorefront } from './validate.ts';

describe('validateStorefront', () => {
  it('when the table is listed, then it has at least 25 cases', () => {
    expect(invalidSpecs.length).toBeGreaterThanOrEqual(25);
  });

  it.each(invalidSpecs)('when $name, then the error names $path', (c) => {
    const old = c.old ? baseDoc(c.old) : undefined;
    if (old) expect(validateStorefront(old)).toEqual([]);
    const errors = validateStorefront(caseDoc(c), old);
    expect(errors.map((e) => e.path)).toContain(c.path);
    const error = errors.find((e) => e.path === c.path)!;
    expect(error.message.startsWith(`${c.path}: `)).toBe(true);
  });

  it('when the name is too long for child object names, then metadata.name is named', () => {
    const errors = validateStorefront(baseDoc({}, tooLongName));
    expect(errors.map((e) => e.path)).toEqual(['metadata.name']);
  });

  it('when every image field is pinned by digest, then it is accepted and the images are used as written', () => {
    expect(validateStorefront(baseDoc(pinnedImages))).toEqual([]);
    const sf = parseStorefront(baseDoc(pinnedImages));
    expect(sf.spec.app.image).toBe(`ghcr.io/storefront-dev/storefront-shop@${DIGEST}`);
    expect(sf.spec.database.image).toBe(`docker.io/library/postgres:17-bookworm@${DIGEST}`);
    expect(sf.spec.cache.image).toBe(`registry.local:5000/cache/redis@${DIGEST}`);
  });

  it('when a valid spec is updated with a growing volume, then it is accepted', () => {
    const old = baseDoc({ database: { storage: { size: '10Gi' } } });
    expect(validateStorefront(baseDoc({ database: { storage: { size: '20Gi' } } }), old)).toEqual([]);
  });

  it('when a gatewayAPI Storefront stored with the former rateLimit/bodySizeLimit defaults edits its ingress, then they are accepted unchanged, not changed', () => {
    const gateway = { provider: 'gatewayAPI', gateway: { parentRefs: [{ name: 'public' }] } };
    const former = {
      rateLimit: { requestsPerSecond: 20, burstMultiplier: 5, connections: 0 },
      bodySizeLimit: '1m',
    };
    const old = baseDoc({ ingress: { ...gateway, ...former } });
    const edited = baseDoc({ ingress: { ...gateway, ...former, annotations: { team: 'web' } } });
    expect(validateStorefront(edited, old)).toEqual([]);
    // The same spec on create, or with another value on update, is refused as before.
    expect(validateStorefront(edited).map((e) => e.path)).toEqual([
      'spec.ingress.rateLimit',
      'spec.ingress.bodySizeLimit',
    ]);
    const changed = baseDoc({
      ingress: { ...gateway, rateLimit: { ...former.rateLimit, requestsPerSecond: 21 }, bodySizeLimit: '2m' },
    });
    expect(validateStorefront(changed, old).map((e) => e.path)).toEqual([
      'spec.ingress.rateLimit',
      'spec.ingress.bodySizeLimit',
    ]);
  });

  it('when a minimal spec is parsed, then every default is filled in', () => {
    const sf = parseStorefront(baseDoc());
    expect(sf.spec.app.replicas).toBe(2);
    expect(sf.spec.ingress.tls.mode).toBe('selfSigned');
    expect(sf.spec.database.storage.size).toBe('10Gi');
    expect(sf.spec.cache.maxMemory).toBe('256Mi');
    expect(sf.spec.deletionPolicy).toBe('Retain');
    expect(sf.spec.networkPolicy.enabled).toBe(true);
  });

  it('when parse fails, then the error lists every bad field', () => {
    expect(() => parseStorefront(baseDoc({ app: { replicas: 0 }, deletionPolicy: 'x' }))).toThrow(
      /spec\.app\.replicas:.*\n.*spec\.deletionPolicy: Unsupported value: "x"/,
    );
  });
});
