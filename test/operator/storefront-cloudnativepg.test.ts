// database.mode: cloudnativepg on the real control plane, with CloudNativePG's own Cluster and
// ScheduledBackup CRDs (from its Go module, config/crd/bases). Its controller cannot run here (no container runtime), so the
// test plays its part in one place only: it writes the Cluster's status.readyInstances, as the
// CloudNativePG operator would once the instances are up. The CRD is installed while our operator
// is already running, as happens when a platform team adds CloudNativePG later.
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudNativePgCrdFiles, installCrds } from '../cluster/third-party-crds.ts';
import {
  cluster,
  condition,
  k,
  kJson,
  kTry,
  operatorSuite,
  storefrontDoc,
  waitFor,
  waitReady,
} from './support.ts';

const suite = operatorSuite(['sf-cnpg'], ([ns]) => ['--no-leader-elect', '--namespace', ns!], {
  // Start from a cluster without CloudNativePG even when an earlier run installed it; no other
  // test uses these CRDs.
  beforeOperator: () =>
    kTry([
      'delete',
      'crd',
      'clusters.postgresql.cnpg.io',
      'scheduledbackups.postgresql.cnpg.io',
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]),
});
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});

describe('database mode cloudnativepg', () => {
  it('when CloudNativePG is missing, then the Storefront says so; once its CRD appears, a Cluster is created, watched and reported until Ready', async () => {
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('pg', { database: { mode: 'cloudnativepg', instances: 2 } }),
    );
    const missing = await waitFor('DatabaseReady=False MissingAPI', () => {
      const c = condition(ns, 'pg', 'DatabaseReady');
      return c?.reason === 'MissingAPI' ? c : undefined;
    });
    expect(missing.message).toContain('postgresql.cnpg.io/v1 Cluster');
    // Everything that does not need CloudNativePG is applied meanwhile.
    expect(kJson(['get', 'deployment', 'pg-app', '-n', ns]).metadata.name).toBe('pg-app');

    installCrds(cluster(), cloudNativePgCrdFiles());
    // The operator notices the new API (discovery misses are re-asked after 30 s) and applies the
    // Cluster, which CloudNativePG's own schema accepts.
    const pgCluster = await waitFor(
      'Cluster pg-postgres',
      () => kTry(['get', 'clusters.postgresql.cnpg.io', 'pg-postgres', '-n', ns, '-o', 'json']).stdout,
      180_000,
    ).then((out) => JSON.parse(out));
    expect(pgCluster.spec.instances).toBe(2);
    expect(pgCluster.spec.bootstrap.initdb).toMatchObject({ database: 'storefront', owner: 'storefront' });
    expect(pgCluster.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Storefront', name: 'pg', controller: true }),
    ]);
    // The app reads CloudNativePG's generated Secret, not one of ours.
    const app = kJson(['get', 'deployment', 'pg-app', '-n', ns]);
    const env = app.spec.template.spec.containers[0].env as { name: string; valueFrom?: any }[];
    expect(env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'pg-postgres-app',
      key: 'uri',
    });

    const provisioning = await waitFor('DatabaseReady=False Provisioning', () => {
      const c = condition(ns, 'pg', 'DatabaseReady');
      return c?.reason === 'Provisioning' ? c : undefined;
    });
    expect(provisioning.message).toBe('Cluster pg-postgres: 0/2 instances ready');

    // CloudNativePG's part: the app Secret it generates (without it the app's pods cannot start,
    // as the fake nodes' reference check enforces) and both instances up.
    k([
      'create',
      'secret',
      'generic',
      'pg-postgres-app',
      '-n',
      ns,
      '--from-literal=uri=postgresql://app:generated@pg-postgres-rw:5432/app',
    ]);
    k([
      'patch',
      'clusters.postgresql.cnpg.io',
      'pg-postgres',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { instances: 2, readyInstances: 2 } }),
    ]);
    // Seen through the informer started when the API appeared (no operator restart).
    const sf = await waitReady(ns, 'pg');
    const db = sf.status.conditions.find((c: { type: string }) => c.type === 'DatabaseReady');
    expect(db).toMatchObject({ status: 'True', message: 'Cluster pg-postgres: 2/2 instances ready' });
  });

  it('with backup.destination.s3, the Cluster carries CloudNativePG backup configuration and a ScheduledBackup exists, both admitted by its CRDs, owned by the Storefront; what CloudNativePG cannot express is refused by the API server', async () => {
    // Idempotent: the case above installed them; this one must not depend on running after it.
    installCrds(cluster(), cloudNativePgCrdFiles());
    k([
      'create',
      'secret',
      'generic',
      'bk-s3',
      '-n',
      ns,
      '--from-literal=AWS_ACCESS_KEY_ID=test-key',
      '--from-literal=AWS_SECRET_ACCESS_KEY=test-secret',
    ]);
    const s3 = {
      endpoint: 'http://minio.storage.svc:9000',
      bucket: 'shop-backups',
      prefix: 'shops/bk/',
      credentialsSecret: { name: 'bk-s3' },
      egress: [{ cidr: '10.96.0.10/32', ports: [9000] }],
    };
    const backup = { schedule: '30 2 * * 0', retention: { maxAge: '30d' }, destination: { s3 } };
    const spec = (b?: Record<string, unknown>) => ({
      database: { mode: 'cloudnativepg', ...(b ? { backup: b } : {}) },
    });

    // Refused by the API server, naming the field: hours cannot be a CloudNativePG retentionPolicy.
    const hours = kTry(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('bk', spec({ ...backup, retention: { maxAge: '72h' } })),
    );
    expect(hours.status).not.toBe(0);
    expect(hours.stderr).toContain('spec.database.backup.retention.maxAge');
    expect(hours.stderr).toContain('in days');
    const pvc = kTry(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('bk', spec({ schedule: '@daily', retention: { maxAge: '30d' } })),
    );
    expect(pvc.status).not.toBe(0);
    expect(pvc.stderr).toContain('spec.database.backup.destination');

    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('bk', spec(backup)));
    const pgCluster = await waitFor(
      'Cluster bk-postgres with spec.backup',
      () => {
        const out = kTry([
          'get',
          'clusters.postgresql.cnpg.io',
          'bk-postgres',
          '-n',
          ns,
          '-o',
          'json',
        ]).stdout;
        const c = out ? JSON.parse(out) : undefined;
        return c?.spec?.backup ? c : undefined;
      },
      180_000,
    );
    expect(pgCluster.spec.backup).toEqual({
      barmanObjectStore: {
        destinationPath: 's3://shop-backups/shops/bk',
        endpointURL: 'http://minio.storage.svc:9000',
        s3Credentials: {
          accessKeyId: { name: 'bk-s3', key: 'AWS_ACCESS_KEY_ID' },
          secretAccessKey: { name: 'bk-s3', key: 'AWS_SECRET_ACCESS_KEY' },
        },
      },
      retentionPolicy: '30d',
      // Defaulted by CloudNativePG's CRD; the rest is ours.
      target: 'prefer-standby',
    });
    const scheduled = await waitFor(
      'ScheduledBackup bk-backup',
      () => kTry(['get', 'scheduledbackups.postgresql.cnpg.io', 'bk-backup', '-n', ns, '-o', 'json']).stdout,
    ).then((out) => JSON.parse(out));
    expect(scheduled.spec).toMatchObject({
      cluster: { name: 'bk-postgres' },
      schedule: '0 30 2 * * 0',
      method: 'barmanObjectStore',
      backupOwnerReference: 'self',
      suspend: false,
    });
    expect(scheduled.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Storefront', name: 'bk', controller: true }),
    ]);
    // None of our own backup machinery in this mode.
    expect(kTry(['get', 'cronjob', 'bk-backup', '-n', ns]).status).not.toBe(0);
    expect(kTry(['get', 'pvc', 'bk-backups', '-n', ns]).status).not.toBe(0);

    // BackupReady says what it knows: nothing started yet, the outcome is CloudNativePG's.
    const waiting = await waitFor('BackupReady Delegated', () => {
      const c = condition(ns, 'bk', 'BackupReady');
      return c?.reason === 'Delegated' ? c : undefined;
    });
    expect(waiting.message).toContain('no backup has been started yet by ScheduledBackup bk-backup');
    // CloudNativePG's part: it records when it last started a backup.
    k([
      'patch',
      'scheduledbackups.postgresql.cnpg.io',
      'bk-backup',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { lastScheduleTime: '2026-12-06T02:30:00Z' } }),
    ]);
    const started = await waitFor('BackupReady names the last scheduled backup', () => {
      const c = condition(ns, 'bk', 'BackupReady');
      return c?.message.includes('2026-12-06T02:30:00Z') ? c : undefined;
    });
    expect(started).toMatchObject({ status: 'True', reason: 'Delegated' });
    expect(started.message).toContain(
      'kubectl get backups.postgresql.cnpg.io -l cnpg.io/scheduled-backup=bk-backup',
    );

    // Backup removed: the ScheduledBackup is pruned and the Cluster loses its backup section.
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('bk', spec()));
    await waitFor(
      'ScheduledBackup bk-backup pruned',
      () => kTry(['get', 'scheduledbackups.postgresql.cnpg.io', 'bk-backup', '-n', ns]).status !== 0,
    );
    await waitFor(
      'Cluster bk-postgres without spec.backup',
      () => !kJson(['get', 'clusters.postgresql.cnpg.io', 'bk-postgres', '-n', ns]).spec.backup,
    );
  });

  it("with restore, the Cluster is created with bootstrap.recovery from the bucket and the source Storefront's server, admitted by its CRD; the migration and the app wait for a ready instance; what CloudNativePG cannot do is refused by the API server", async () => {
    installCrds(cluster(), cloudNativePgCrdFiles());
    k([
      'create',
      'secret',
      'generic',
      'old-s3',
      '-n',
      ns,
      '--from-literal=AWS_ACCESS_KEY_ID=test-key',
      '--from-literal=AWS_SECRET_ACCESS_KEY=test-secret',
    ]);
    const s3 = {
      endpoint: 'http://minio.storage.svc:9000/',
      bucket: 'shop-backups',
      prefix: 'shops/old/',
      credentialsSecret: { name: 'old-s3' },
      egress: [{ cidr: '10.96.0.10/32', ports: [9000] }],
    };
    const backup = {
      schedule: '@daily',
      retention: { maxAge: '30d' },
      destination: { s3: { ...s3, prefix: 'shops/rs/' } },
    };
    const spec = (restore: Record<string, unknown>, b: Record<string, unknown> = backup) => ({
      database: { mode: 'cloudnativepg', backup: b, restore: { from: restore } },
    });
    const refused = (doc: string, field: string, why: string) => {
      const r = kTry(['apply', '--server-side', '-n', ns, '-f', '-'], doc);
      expect(r.status, doc).not.toBe(0);
      expect(r.stderr).toContain(field);
      expect(r.stderr).toContain(why);
    };
    refused(
      storefrontDoc('rs', spec({ backup: 'latest', claimName: 'old-backups' })),
      'spec.database.restore.from.claimName',
      'CloudNativePG recovers physical backups from a bucket',
    );
    refused(
      storefrontDoc('rs', spec({ backup: '20261201T031500Z', s3, storefront: 'old' })),
      'spec.database.restore.from.backup',
      'Barman backup ID without a Z',
    );
    refused(
      storefrontDoc(
        'rs',
        spec({ backup: 'latest' }, { ...backup, destination: { s3: { ...s3, prefix: undefined } } }),
      ),
      'spec.database.backup.destination.s3.prefix',
      'empty WAL archive',
    );

    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('rs', spec({ backup: '20261201T031500', s3, storefront: 'old' })),
    );
    const pgCluster = await waitFor(
      'Cluster rs-postgres',
      () => kTry(['get', 'clusters.postgresql.cnpg.io', 'rs-postgres', '-n', ns, '-o', 'json']).stdout,
      180_000,
    ).then((out) => JSON.parse(out));
    // As CloudNativePG's own CRD stored it.
    expect(pgCluster.spec.bootstrap).toEqual({
      recovery: {
        source: 'restore-source',
        database: 'storefront',
        owner: 'storefront',
        recoveryTarget: { backupID: '20261201T031500', targetImmediate: true },
      },
    });
    expect(pgCluster.spec.externalClusters).toEqual([
      {
        name: 'restore-source',
        barmanObjectStore: {
          destinationPath: 's3://shop-backups/shops/old',
          endpointURL: 'http://minio.storage.svc:9000',
          s3Credentials: {
            accessKeyId: { name: 'old-s3', key: 'AWS_ACCESS_KEY_ID' },
            secretAccessKey: { name: 'old-s3', key: 'AWS_SECRET_ACCESS_KEY' },
          },
          serverName: 'old-postgres',
        },
      },
    ]);
    // Its own backups go elsewhere: the recovered Cluster's WAL archive starts empty.
    expect(pgCluster.spec.backup.barmanObjectStore.destinationPath).toBe('s3://shop-backups/shops/rs');
    expect(pgCluster.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Storefront', name: 'rs', controller: true }),
    ]);

    // Recovering: Restored says so, and neither the migration nor the app exists.
    const restoring = await waitFor('Restored=False Restoring', () => {
      const c = condition(ns, 'rs', 'Restored');
      return c?.reason === 'Restoring' && c.message.includes('bootstrapping') ? c : undefined;
    });
    expect(restoring.message).toContain(
      'backup 20261201T031500 of server old-postgres from s3://shop-backups/shops/old',
    );
    expect(condition(ns, 'rs', 'AppReady')).toMatchObject({ status: 'False', reason: 'WaitingForRestore' });
    expect(kTry(['get', 'deployment', 'rs-app', '-n', ns]).status).not.toBe(0);
    const jobs = () =>
      kJson(['get', 'jobs', '-n', ns, '-l', 'storefront.dev/storefront=rs']).items.map(
        (j: { metadata: { name: string } }) => j.metadata.name,
      );
    expect(jobs()).toEqual([]);
    // The restore cannot change once set (CloudNativePG would not recover again).
    refused(
      storefrontDoc('rs', spec({ backup: 'latest', s3, storefront: 'old' })),
      'spec.database.restore',
      'can only be set when the Storefront is created',
    );

    // CloudNativePG's part: the app Secret, then the first instance ready (recovery done).
    k([
      'create',
      'secret',
      'generic',
      'rs-postgres-app',
      '-n',
      ns,
      '--from-literal=uri=postgresql://storefront:generated@rs-postgres-rw:5432/storefront',
    ]);
    k([
      'patch',
      'clusters.postgresql.cnpg.io',
      'rs-postgres',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { instances: 1, readyInstances: 1, phase: 'Cluster in healthy state' } }),
    ]);
    const restored = await waitFor('Restored=True', () => {
      const c = condition(ns, 'rs', 'Restored');
      return c?.status === 'True' ? c : undefined;
    });
    expect(restored.message).toContain('restored by CloudNativePG into Cluster rs-postgres');
    await waitFor('Deployment rs-app', () => kTry(['get', 'deployment', 'rs-app', '-n', ns]).status === 0);
    expect(jobs()).toEqual([expect.stringMatching(/^rs-migrate-/)]);
    await waitReady(ns, 'rs');
  });
});
