import { describe, expect, it } from 'vitest';
import { CRON_PATTERN, maxAgeSeconds } from './backup-schema.ts';
import { parseStorefront, validateStorefront } from './validate.ts';

const doc = (backup: Record<string, unknown>) => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name: 'shop' },
  spec: { host: 'shop.example.com', database: { backup } },
});

describe('backup schedule', () => {
  it.each([
    '*/15 * * * *',
    '0 3 * * *',
    '0 3 * * 1-5',
    '30 2 1,15 * SUN',
    '0 0 1 JAN *',
    '5 4 * * sun',
    '0 */6 * * *',
    '59 23 31 12 7',
    '@daily',
    '@hourly',
  ])('when the schedule is %s, then it is accepted', (schedule) => {
    expect(new RegExp(CRON_PATTERN).test(schedule)).toBe(true);
    expect(validateStorefront(doc({ schedule }))).toEqual([]);
  });

  it.each([
    '60 * * * *',
    '* 24 * * *',
    '* * 32 * *',
    '* * * 13 *',
    '* * * * 8',
    '0 3 * *',
    '0 3 * * * *',
    '@every 1h',
    'CRON_TZ=UTC 0 3 * * *',
    '0  3 * * *',
    'daily',
  ])('when the schedule is %s, then the CLI names spec.database.backup.schedule', (schedule) => {
    const errors = validateStorefront(doc({ schedule }));
    expect(errors.map((e) => e.path)).toEqual(['spec.database.backup.schedule']);
  });
});

describe('maxAgeSeconds', () => {
  it('when maxAge is in hours or days, then it is that many seconds', () => {
    expect(maxAgeSeconds('72h')).toBe(72 * 3600);
    expect(maxAgeSeconds('30d')).toBe(30 * 86400);
  });
});

describe('backup destination s3 and restore.from.s3', () => {
  const s3 = {
    endpoint: 'http://minio.storage:9000',
    bucket: 'shop.backups-1',
    credentialsSecret: { name: 's3-credentials' },
    egress: [{ cidr: '10.0.0.0/8', ports: [9000] }],
  };
  const shop = (database: Record<string, unknown>) => ({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop' },
    spec: { host: 'shop.example.com', database },
  });

  it('when destination is s3, then it is accepted, its defaults are filled in and no pvc is defaulted beside it', () => {
    const doc = shop({ backup: { schedule: '@daily', destination: { s3 } } });
    expect(validateStorefront(doc)).toEqual([]);
    const destination = parseStorefront(doc).spec.database.backup!.destination;
    expect(destination.pvc).toBeUndefined();
    expect(destination.s3).toEqual({
      ...s3,
      region: 'us-east-1',
      credentialsSecret: {
        name: 's3-credentials',
        accessKeyIdKey: 'AWS_ACCESS_KEY_ID',
        secretAccessKeyKey: 'AWS_SECRET_ACCESS_KEY',
      },
    });
  });

  it('when no destination is given, then it is the volume with its defaults', () => {
    const sf = parseStorefront(shop({ backup: { schedule: '@daily' } }));
    expect(sf.spec.database.backup!.destination).toEqual({ pvc: { size: '10Gi', deletionPolicy: 'Retain' } });
  });

  it.each(['https://s3.eu-central-1.amazonaws.com', 'http://127.0.0.1:9000/', 'https://[2001:db8::1]:443'])(
    'when the endpoint is %s, then it is accepted',
    (endpoint) => {
      expect(
        validateStorefront(
          shop({ backup: { schedule: '@daily', destination: { s3: { ...s3, endpoint } } } }),
        ),
      ).toEqual([]);
    },
  );

  it('when the destination switches from pvc to s3 (and back), then the update is accepted', () => {
    const pvc = shop({ backup: { schedule: '@daily', destination: { pvc: { size: '20Gi' } } } });
    const toS3 = shop({ backup: { schedule: '@daily', destination: { s3 } } });
    expect(validateStorefront(toS3, pvc)).toEqual([]);
    expect(validateStorefront(pvc, toS3)).toEqual([]);
  });

  it("when restore.from.s3 names another Storefront's prefix, then it is accepted", () => {
    expect(
      validateStorefront(
        shop({ restore: { from: { backup: 'latest', s3: { ...s3, prefix: 'old-shop/' } } } }),
      ),
    ).toEqual([]);
  });

  it('when the secret key names are overridden with bad characters, then the field is named', () => {
    const bad = { ...s3, credentialsSecret: { name: 's3', secretAccessKeyKey: 'a key' } };
    const errors = validateStorefront(shop({ backup: { schedule: '@daily', destination: { s3: bad } } }));
    expect(errors.map((e) => e.path)).toEqual([
      'spec.database.backup.destination.s3.credentialsSecret.secretAccessKeyKey',
    ]);
  });
});
