import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { render } from '../render/render.ts';
import { fixedInputs, loadExample } from '../render/testdata/fixtures.ts';
import {
  decodeRelease,
  encodeRelease,
  MAX_RELEASE_BYTES,
  manifestOf,
  RELEASE_SECRET_TYPE,
  type Release,
  releaseFromSecret,
  releaseSecret,
  releaseSecretName,
} from './release.ts';

const sf = loadExample('minimal.yaml');
const objects = render(sf, fixedInputs(sf));
const release: Release = {
  name: 'shop',
  namespace: 'prod',
  revision: 3,
  status: 'deployed',
  description: 'Upgrade complete',
  spec: sf,
  objects: manifestOf(objects),
  firstDeployed: '2026-01-01T00:00:00.000Z',
  lastDeployed: '2026-01-02T00:00:00.000Z',
  appliedBy: { user: 'ci', context: 'prod', host: 'runner-1', pid: 42, cliVersion: '0.1.0' },
};

describe('release records', () => {
  it('when a release is stored, then it is one Secret of our type per revision, gzip+base64, and reads back equal', () => {
    const secret = releaseSecret(release, { a: 'b' });
    expect(secret.metadata.name).toBe('sf.release.v1.shop.v3');
    expect(releaseSecretName('shop', 12)).toBe('sf.release.v1.shop.v12');
    expect(secret.type).toBe(RELEASE_SECRET_TYPE);
    expect(secret.metadata.labels).toMatchObject({
      'storefront.dev/release-name': 'shop',
      'storefront.dev/release-status': 'deployed',
    });
    const data = (secret.data as Record<string, string>)['release']!;
    expect(Buffer.from(data, 'base64').subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip magic
    expect(releaseFromSecret(secret)).toEqual(release);
    expect(decodeRelease(encodeRelease(release))).toEqual(release);
  });

  it('when objects are recorded, then Secrets keep their names and keys but never their values', () => {
    const text = encodeRelease(release);
    const json = decodeRelease(text);
    const stored = JSON.stringify(json);
    for (const value of [
      'fixture-postgres-password',
      'fixture-redis-password',
      'fixture-admin-token',
      'FIXTURE KEY',
    ]) {
      expect(stored).not.toContain(value);
      expect(stored).not.toContain(Buffer.from(value).toString('base64'));
    }
    const creds = json.objects.find(
      (o) => o.kind === 'Secret' && o.metadata.name === 'shop-postgres-credentials',
    )!;
    expect(creds['data']).toBeUndefined();
    expect(creds['keys']).toEqual(['database', 'password', 'username']);
    // Everything else is recorded whole.
    const dep = json.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'shop-app');
    expect(dep).toEqual(objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'shop-app'));
  });

  it('when a Secret is not a release record, then reading it names the Secret', () => {
    expect(() =>
      releaseFromSecret({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'x', namespace: 'n' },
        type: 'Opaque',
      }),
    ).toThrow(/Secret n\/x is not a storefront release record/);
  });

  it('when a record decompresses beyond the bound (a gzip bomb), then reading it fails without inflating it', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_RELEASE_BYTES + 1024 * 1024, 0x20)).toString('base64');
    expect(bomb.length).toBeLessThan(1024 * 1024); // fits in a Secret
    expect(() => decodeRelease(bomb)).toThrow(`decompresses to more than ${MAX_RELEASE_BYTES} bytes`);
  });

  it('when a record is not gzip, not JSON or not a release, then the error says which and names the Secret', () => {
    expect(() => decodeRelease(Buffer.from('plain').toString('base64'))).toThrow(/not gzip/);
    expect(() => decodeRelease(gzipSync('{').toString('base64'))).toThrow(/not JSON/);
    expect(() => decodeRelease(gzipSync('{"name":1}').toString('base64'))).toThrow(/lacks name/);
    const secret = { ...releaseSecret(release), data: { release: gzipSync('null').toString('base64') } };
    expect(() => releaseFromSecret(secret)).toThrow(
      /Secret prod\/sf\.release\.v1\.shop\.v3 holds an unreadable release record: the record lacks/,
    );
  });
});
