import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront, validateStorefront } from '../api/validate.ts';
import { computeStatus } from '../status/conditions.ts';
import { render } from './render.ts';
import { fixedInputs } from './testdata/fixtures.ts';

const S3 = {
  endpoint: 'https://s3.example.com/',
  bucket: 'shop-backups',
  credentialsSecret: { name: 'old-s3', accessKeyIdKey: 'id', secretAccessKeyKey: 'secret' },
  egress: [{ cidr: '192.0.2.10/32', ports: [443] }],
};
const OWN_BACKUP = {
  schedule: '@daily',
  retention: { maxAge: '30d' },
  destination: { s3: { ...S3, credentialsSecret: { name: 'new-s3' }, prefix: 'new/' } },
};

const doc = (database: Record<string, unknown>) => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name: 'shop', namespace: 'shops' },
  spec: { host: 'shop.example.com', database: { mode: 'cloudnativepg', ...database } },
});
const sf = (database: Record<string, unknown>): Storefront => parseStorefront(doc(database));
const clusterOf = (s: Storefront, inputs = fixedInputs(s)) =>
  render(s, inputs).find((o) => o.kind === 'Cluster') as any;
const errorsOf = (database: Record<string, unknown>) =>
  validateStorefront(doc(database)).map((e) => ({ path: e.path, message: e.message }));

describe('render: database.restore in database mode cloudnativepg', () => {
  it("when another Storefront's backup is named, then the Cluster is bootstrapped by recovery of exactly that backup from its server in the bucket, and no restore Job of ours exists", () => {
    const s = sf({
      restore: {
        from: { backup: '20261201T031500', s3: { ...S3, prefix: 'shops/old/' }, storefront: 'old' },
      },
    });
    const cluster = clusterOf(s);
    expect(cluster.spec.bootstrap).toEqual({
      recovery: {
        source: 'restore-source',
        database: 'storefront',
        owner: 'storefront',
        recoveryTarget: { backupID: '20261201T031500', targetImmediate: true },
      },
    });
    expect(cluster.spec.externalClusters).toEqual([
      {
        name: 'restore-source',
        barmanObjectStore: {
          destinationPath: 's3://shop-backups/shops/old',
          endpointURL: 'https://s3.example.com',
          s3Credentials: {
            accessKeyId: { name: 'old-s3', key: 'id' },
            secretAccessKey: { name: 'old-s3', key: 'secret' },
          },
          serverName: 'old-postgres',
        },
      },
    ]);
    expect(cluster.spec.backup).toBeUndefined();
    const objects = render(s, fixedInputs(s));
    expect(objects.filter((o) => o.metadata.name === 'shop-restore' || o.kind === 'CronJob')).toEqual([]);
    expect(objects.filter((o) => o.metadata.name === 'shop-backup-scripts')).toEqual([]);
  });

  it('when latest is asked, then no recovery target is set (the newest base backup and all WAL after it), and restore.from.s3 without a prefix reads <storefront>/', () => {
    const cluster = clusterOf(sf({ restore: { from: { backup: 'latest', s3: S3, storefront: 'old' } } }));
    expect(cluster.spec.bootstrap.recovery).toEqual({
      source: 'restore-source',
      database: 'storefront',
      owner: 'storefront',
    });
    expect(cluster.spec.externalClusters[0].barmanObjectStore).toMatchObject({
      destinationPath: 's3://shop-backups/old',
      serverName: 'old-postgres',
    });
  });

  it("when no source is given, then this Storefront's own bucket and server are read; with its own backup under a new prefix, the Cluster archives there", () => {
    const cluster = clusterOf(
      sf({
        backup: OWN_BACKUP,
        restore: { from: { backup: 'latest', s3: { ...S3, prefix: 'shop/' } } },
      }),
    );
    expect(cluster.spec.externalClusters[0].barmanObjectStore).toMatchObject({
      destinationPath: 's3://shop-backups/shop',
      serverName: 'shop-postgres',
    });
    expect(cluster.spec.backup.barmanObjectStore.destinationPath).toBe('s3://shop-backups/new');
    // Restoring another Storefront's backups from this one's own bucket and prefix.
    const own = clusterOf(
      sf({ backup: OWN_BACKUP, restore: { from: { backup: 'latest', storefront: 'old' } } }),
    );
    expect(own.spec.externalClusters[0].barmanObjectStore).toMatchObject({
      destinationPath: 's3://shop-backups/new',
      serverName: 'old-postgres',
      s3Credentials: { accessKeyId: { name: 'new-s3', key: 'AWS_ACCESS_KEY_ID' } },
    });
  });

  it('when the Cluster has no ready instance yet, then the migration and the app are held back; once one is ready (or the app runs), they are rendered', () => {
    const s = sf({ restore: { from: { backup: 'latest', s3: S3, storefront: 'old' } } });
    const held = render(s, { ...fixedInputs(s), restoreComplete: false });
    const workloads = (objects: typeof held) =>
      objects.filter((o) => ['Job', 'Deployment', 'HorizontalPodAutoscaler'].includes(o.kind));
    expect(workloads(held).map((o) => o.metadata.name)).toEqual(['shop-redis']);
    expect(held.find((o) => o.kind === 'Cluster')).toBeDefined();
    const done = render(s, { ...fixedInputs(s), restoreComplete: true });
    expect(done.filter((o) => o.kind === 'Job').map((o) => o.metadata.name)).toEqual([
      expect.stringMatching(/^shop-migrate-/),
    ]);
    expect(done.find((o) => o.kind === 'Deployment' && o.metadata.name === 'shop-app')).toBeDefined();
  });

  it('when there is no restore, then the Cluster is bootstrapped by initdb and has no externalClusters', () => {
    const cluster = clusterOf(sf({}));
    expect(cluster.spec.bootstrap).toEqual({ initdb: { database: 'storefront', owner: 'storefront' } });
    expect(cluster.spec.externalClusters).toBeUndefined();
  });
});

describe('validation: database.restore in database mode cloudnativepg', () => {
  it('when the restore is one CloudNativePG can run, then it is accepted', () => {
    expect(errorsOf({ restore: { from: { backup: 'latest', s3: S3 } } })).toEqual([]);
    expect(errorsOf({ restore: { from: { backup: '20261201T031500', s3: S3, storefront: 'old' } } })).toEqual(
      [],
    );
    // Its own bucket, another Storefront's server there: no clash with its own archive.
    expect(
      errorsOf({ backup: OWN_BACKUP, restore: { from: { backup: 'latest', storefront: 'old' } } }),
    ).toEqual([]);
    // Its own old prefix, its new backups under another one.
    expect(
      errorsOf({
        backup: OWN_BACKUP,
        restore: { from: { backup: 'latest', s3: { ...S3, prefix: 'shop/' } } },
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'no bucket',
      { restore: { from: { backup: 'latest' } } },
      'spec.database.restore.from.s3',
      'needs a bucket',
    ],
    [
      'a backups volume',
      { restore: { from: { backup: 'latest', claimName: 'old-backups' } } },
      'spec.database.restore.from.claimName',
      'cannot be used',
    ],
    [
      'a backup name with our Z',
      { restore: { from: { backup: '20261201T031500Z', s3: S3 } } },
      'spec.database.restore.from.backup',
      'Barman backup ID',
    ],
    [
      'another region',
      { restore: { from: { backup: 'latest', s3: { ...S3, region: 'eu-central-1' } } } },
      'spec.database.restore.from.s3.region',
      'us-east-1',
    ],
    [
      'the own bucket and server it will archive to',
      { backup: OWN_BACKUP, restore: { from: { backup: 'latest' } } },
      'spec.database.backup.destination.s3.prefix',
      'empty WAL archive',
    ],
    [
      'the same place written out (trailing slash aside)',
      {
        backup: OWN_BACKUP,
        restore: {
          from: { backup: 'latest', s3: { ...S3, endpoint: 'https://s3.example.com', prefix: 'new/' } },
        },
      },
      'spec.database.backup.destination.s3.prefix',
      'empty WAL archive',
    ],
  ])('when %s, then the error names %s and says why', (_what, database, path, why) => {
    const errors = errorsOf(database);
    const error = errors.find((e) => e.path === path);
    expect(error, JSON.stringify(errors)).toBeDefined();
    expect(error!.message).toContain(why);
  });

  it('when restore is added to an existing cloudnativepg Storefront, then it is refused (CloudNativePG recovers only when it creates a Cluster)', () => {
    const errors = validateStorefront(doc({ restore: { from: { backup: 'latest', s3: S3 } } }), doc({}));
    expect(errors.map((e) => e.path)).toEqual(['spec.database.restore']);
    expect(errors[0]!.message).toContain('can only be set when the Storefront is created');
  });
});

describe('status: Restored in database mode cloudnativepg', () => {
  const s = sf({ restore: { from: { backup: '20261201T031500', s3: S3, storefront: 'old' } } });
  const observed = (
    cluster?: Record<string, unknown>,
    extra: [string, unknown][] = [],
    missing: string[] = [],
  ) => ({
    children: new Map<string, unknown>([
      ...(cluster
        ? [
            ['Cluster/shop-postgres', { metadata: { name: 'shop-postgres' }, ...cluster }] as [
              string,
              unknown,
            ],
          ]
        : []),
      ...extra,
    ]),
    missingApis: new Set(missing),
    missingSecrets: [],
  });
  const conditionsOf = (o: ReturnType<typeof observed>) =>
    computeStatus(s, o as any, new Date('2026-12-02T00:00:00Z')).conditions ?? [];
  const get = (o: ReturnType<typeof observed>, type: string) => conditionsOf(o).find((c) => c.type === type);

  it('when the Cluster is recovering, then Restored is False naming the backup, the server and the phase, and the app waits for it', () => {
    const o = observed({ status: { phase: 'Setting up primary', readyInstances: 0 } });
    const restored = get(o, 'Restored');
    expect(restored).toMatchObject({ status: 'False', reason: 'Restoring' });
    expect(restored!.message).toContain(
      'backup 20261201T031500 of server old-postgres from s3://shop-backups/old at https://s3.example.com/',
    );
    expect(restored!.message).toContain('(phase: Setting up primary)');
    expect(get(o, 'AppReady')).toMatchObject({ status: 'False', reason: 'WaitingForRestore' });
    expect(get(o, 'Ready')).toMatchObject({ status: 'False' });
  });

  it('when the Cluster does not exist or its API is missing, then Restored is False and says which', () => {
    expect(get(observed(), 'Restored')).toMatchObject({ status: 'False', reason: 'Restoring' });
    expect(get(observed(undefined, [], ['Cluster']), 'Restored')).toMatchObject({
      status: 'False',
      reason: 'MissingAPI',
    });
  });

  it('when an instance is ready, then Restored is True; the app running later keeps it True', () => {
    const restored = get(observed({ status: { readyInstances: 1 } }), 'Restored');
    expect(restored).toMatchObject({ status: 'True', reason: 'Restored' });
    expect(restored!.message).toBe(
      'backup 20261201T031500 of server old-postgres from s3://shop-backups/old at https://s3.example.com/ restored by CloudNativePG into Cluster shop-postgres',
    );
    const app: [string, unknown] = ['Deployment/shop-app', { metadata: { name: 'shop-app' } }];
    expect(get(observed({ status: { readyInstances: 0 } }, [app]), 'Restored')).toMatchObject({
      status: 'True',
    });
  });
});
