import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront, validateStorefront } from '../api/validate.ts';
import { computeStatus } from '../status/conditions.ts';
import { cloudNativePgSchedule } from './cloudnativepg-backup.ts';
import { render } from './render.ts';
import { fixedInputs } from './testdata/fixtures.ts';

const S3 = {
  endpoint: 'https://s3.example.com/',
  bucket: 'shop-backups',
  credentialsSecret: { name: 'shop-s3' },
  egress: [{ cidr: '192.0.2.10/32', ports: [443] }],
};
const BACKUP = { schedule: '15 3 * * 1-5', retention: { maxAge: '30d' }, destination: { s3: S3 } };

const doc = (backup: Record<string, unknown> = BACKUP) => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name: 'shop', namespace: 'shops' },
  spec: { host: 'shop.example.com', database: { mode: 'cloudnativepg', backup } },
});
const sf = (backup?: Record<string, unknown>): Storefront => parseStorefront(doc(backup));
const errorsOf = (backup: Record<string, unknown>) =>
  validateStorefront(doc(backup)).map((e) => ({ path: e.path, message: e.message }));

describe('render: database.backup in database mode cloudnativepg', () => {
  it('when backup.destination.s3 is set, then the Cluster carries barmanObjectStore and a retentionPolicy, and a ScheduledBackup runs it; none of our backup objects are rendered', () => {
    const s = sf();
    const objects = render(s, fixedInputs(s));
    const cluster = objects.find((o) => o.kind === 'Cluster') as any;
    expect(cluster.spec.backup).toEqual({
      barmanObjectStore: {
        destinationPath: 's3://shop-backups/shop',
        endpointURL: 'https://s3.example.com',
        s3Credentials: {
          accessKeyId: { name: 'shop-s3', key: 'AWS_ACCESS_KEY_ID' },
          secretAccessKey: { name: 'shop-s3', key: 'AWS_SECRET_ACCESS_KEY' },
        },
      },
      retentionPolicy: '30d',
    });
    const scheduled = objects.find((o) => o.kind === 'ScheduledBackup') as any;
    expect(scheduled.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(scheduled.metadata.name).toBe('shop-backup');
    expect(scheduled.spec).toEqual({
      cluster: { name: 'shop-postgres' },
      schedule: '0 15 3 * * 1-5',
      method: 'barmanObjectStore',
      backupOwnerReference: 'self',
      suspend: false,
    });
    const ours = objects
      .filter((o) => o.kind !== 'ScheduledBackup')
      .filter(
        (o) =>
          o.kind === 'CronJob' ||
          ['shop-backups', 'shop-backup-scripts', 'shop-backup'].includes(o.metadata.name ?? ''),
      );
    expect(ours).toEqual([]);
  });

  it('when the prefix and key names are given, then the destination path and the Secret keys follow them', () => {
    const s = sf({
      ...BACKUP,
      destination: {
        s3: {
          ...S3,
          prefix: 'backups/eu/',
          credentialsSecret: { name: 'creds', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' },
        },
      },
      suspend: true,
    });
    const objects = render(s, fixedInputs(s));
    const cluster = objects.find((o) => o.kind === 'Cluster') as any;
    expect(cluster.spec.backup.barmanObjectStore).toMatchObject({
      destinationPath: 's3://shop-backups/backups/eu',
      s3Credentials: {
        accessKeyId: { name: 'creds', key: 'id' },
        secretAccessKey: { name: 'creds', key: 'secret' },
      },
    });
    expect((objects.find((o) => o.kind === 'ScheduledBackup') as any).spec.suspend).toBe(true);
  });

  it('when there is no backup, then the Cluster has no backup section and there is no ScheduledBackup', () => {
    const s = parseStorefront({
      ...doc(),
      spec: { host: 'shop.example.com', database: { mode: 'cloudnativepg' } },
    });
    const objects = render(s, fixedInputs(s));
    expect((objects.find((o) => o.kind === 'Cluster') as any).spec.backup).toBeUndefined();
    expect(objects.some((o) => o.kind === 'ScheduledBackup')).toBe(false);
  });

  it("schedules get CloudNativePG's leading seconds field; descriptors stay as they are", () => {
    expect(cloudNativePgSchedule('*/15 * * * *')).toBe('0 */15 * * * *');
    expect(cloudNativePgSchedule('@daily')).toBe('@daily');
  });
});

describe('validation: database.backup in database mode cloudnativepg', () => {
  it('when the spec is one CloudNativePG can run, then it is accepted', () => {
    expect(errorsOf(BACKUP)).toEqual([]);
    expect(errorsOf({ ...BACKUP, schedule: '0 4 * * SUN', timeZone: 'UTC' })).toEqual([]);
    // A step of 7 in the day-of-week field is not a day 7.
    expect(errorsOf({ ...BACKUP, schedule: '0 4 * * */7' })).toEqual([]);
  });

  it.each([
    [
      'a volume destination',
      { schedule: '@daily', retention: { maxAge: '30d' } },
      'spec.database.backup.destination',
      'object store',
    ],
    [
      'maxAge in hours',
      { ...BACKUP, retention: { maxAge: '72h' } },
      'spec.database.backup.retention.maxAge',
      'in days',
    ],
    [
      'no maxAge',
      { ...BACKUP, retention: { count: 3 } },
      'spec.database.backup.retention.maxAge',
      'retention.count does not apply',
    ],
    [
      'a time zone',
      { ...BACKUP, timeZone: 'Europe/Berlin' },
      'spec.database.backup.timeZone',
      'no time zone',
    ],
    ['day-of-week 7', { ...BACKUP, schedule: '0 4 * * 7' }, 'spec.database.backup.schedule', 'day-of-week 7'],
    [
      'day-of-week 7 in a range',
      { ...BACKUP, schedule: '0 4 * * 5-7' },
      'spec.database.backup.schedule',
      '0-6',
    ],
    [
      'another region',
      { ...BACKUP, destination: { s3: { ...S3, region: 'eu-central-1' } } },
      'spec.database.backup.destination.s3.region',
      'Secret key',
    ],
  ])('when %s, then the error names %s and says why', (_what, backup, path, why) => {
    const errors = errorsOf(backup);
    const error = errors.find((e) => e.path === path);
    expect(error, JSON.stringify(errors)).toBeDefined();
    expect(error!.message).toContain('database mode cloudnativepg');
    expect(error!.message).toContain(why);
  });

  it('when the same backup is in mode managed, then none of these rules apply', () => {
    const managed = (backup: Record<string, unknown>) =>
      validateStorefront({ ...doc(), spec: { host: 'shop.example.com', database: { backup } } });
    expect(
      managed({ ...BACKUP, timeZone: 'Europe/Berlin', schedule: '0 4 * * 7', retention: { maxAge: '72h' } }),
    ).toEqual([]);
  });
});

describe('status: BackupReady in database mode cloudnativepg', () => {
  const observed = (scheduled?: Record<string, unknown>, missing: string[] = []) => ({
    children: new Map(
      scheduled ? [['ScheduledBackup/shop-backup', { metadata: { name: 'shop-backup' }, ...scheduled }]] : [],
    ),
    missingApis: new Set(missing),
    missingSecrets: [],
  });
  const backupReady = (o: ReturnType<typeof observed>) =>
    computeStatus(sf(), o as any, new Date('2026-12-02T00:00:00Z')).conditions?.find(
      (c) => c.type === 'BackupReady',
    );

  it('when the ScheduledBackup API is missing, then it says so', () => {
    expect(backupReady(observed(undefined, ['ScheduledBackup']))).toMatchObject({
      status: 'False',
      reason: 'MissingAPI',
    });
  });

  it('when the ScheduledBackup has started a backup, then the time is reported and the outcome is said to be CloudNativePG’s, never claimed', () => {
    expect(backupReady(observed({}))).toMatchObject({ status: 'True', reason: 'Delegated' });
    const c = backupReady(observed({ status: { lastScheduleTime: '2026-12-01T03:15:00Z' } }));
    expect(c).toMatchObject({ status: 'True', reason: 'Delegated' });
    expect(c!.message).toContain('last started a backup at 2026-12-01T03:15:00Z');
    expect(c!.message).toContain('delegated to CloudNativePG');
    expect(computeStatus(sf(), observed({}) as any, new Date()).backups).toBeUndefined();
  });
});
