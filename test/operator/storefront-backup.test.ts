// Backups and restore reconciled by the operator on the real control plane (kwok pods): the
// CronJob, its volume and NetworkPolicy admitted in a namespace enforcing Pod Security
// `restricted`; a backup Job made from the CronJob's template (as `storefront backup create` and
// `kubectl create job --from` do) sets BackupReady and status.backups; one that fails (kwok stage
// storefront-migration-fails: every Job pod running FAILING_MIGRATION_IMAGE exits 1) turns
// BackupReady False naming the Job; a restore Job that fails keeps the migration and the app
// from ever being created and says which backup; one that succeeds lets them start.
import { beforeAll, describe, expect, it } from 'vitest';
import { FAILING_MIGRATION_IMAGE } from '../cluster/components.ts';
import {
  condition,
  expectNotFound,
  k,
  kJson,
  kTry,
  operatorSuite,
  storefrontDoc,
  waitCondition,
  waitFor,
} from './support.ts';

const suite = operatorSuite(['sf-backup'], () => ['--resync', '5s', '--no-leader-elect']);
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});

const apply = (name: string, spec: Record<string, unknown>) =>
  k(
    ['apply', '--server-side', '--field-manager=backup-test', '-n', ns, '-f', '-'],
    storefrontDoc(name, spec),
  );

// A schedule that does not fire during the test: the backups here are started by hand.
const BACKUP = { schedule: '0 3 1 1 *', retention: { count: 2 }, destination: { pvc: { size: '1Gi' } } };

describe('backups reconciled by the operator', () => {
  it('when a backup is set, then the CronJob, its volume and policy are admitted and a backup Job run from it sets BackupReady and lastSuccessfulTime', async () => {
    apply('bk', { cache: { mode: 'disabled' }, database: { backup: BACKUP } });
    const cron = await waitFor('CronJob bk-backup', () => {
      const r = kTry(['get', 'cronjob', 'bk-backup', '-n', ns, '-o', 'json']);
      return r.status === 0 ? JSON.parse(r.stdout) : undefined;
    });
    expect(cron.spec).toMatchObject({
      schedule: '0 3 1 1 *',
      concurrencyPolicy: 'Forbid',
      timeZone: 'Etc/UTC',
    });
    const pvc = kJson(['get', 'pvc', 'bk-backups', '-n', ns]);
    expect(pvc.spec.resources.requests.storage).toBe('1Gi');
    expect(pvc.metadata.annotations['storefront.dev/retain-on-delete']).toBe('true');
    expect(pvc.metadata.ownerReferences).toBeUndefined();
    expect(kJson(['get', 'networkpolicy', 'bk-backup', '-n', ns]).spec.policyTypes).toEqual([
      'Ingress',
      'Egress',
    ]);
    await waitCondition(ns, 'bk', 'BackupReady', 'True', 'Scheduled');

    k(['create', 'job', 'bk-backup-manual', '--from=cronjob/bk-backup', '-n', ns]);
    const ready = await waitCondition(ns, 'bk', 'BackupReady', 'True', 'Succeeded');
    expect(ready.message).toContain('Job bk-backup-manual');
    // The pod was admitted under `restricted` (else the Job could not have succeeded).
    const job = kJson(['get', 'job', 'bk-backup-manual', '-n', ns]);
    expect(job.status.succeeded).toBe(1);
    const sf = kJson(['get', 'storefront', 'bk', '-n', ns]);
    expect(Date.parse(sf.status.backups.lastSuccessfulTime)).toBe(Date.parse(job.status.completionTime));
    expect(sf.status.backups.lastFailedTime).toBeUndefined();
  });

  it('when a backup Job fails, then BackupReady is False naming the Job and lastFailedTime is set, and Ready is not affected', async () => {
    apply('bkfail', {
      cache: { mode: 'disabled' },
      database: { image: FAILING_MIGRATION_IMAGE, backup: BACKUP },
    });
    await waitFor(
      'CronJob bkfail-backup',
      () => kTry(['get', 'cronjob', 'bkfail-backup', '-n', ns]).status === 0,
    );
    k(['create', 'job', 'bkfail-backup-manual', '--from=cronjob/bkfail-backup', '-n', ns]);
    const failed = await waitCondition(ns, 'bkfail', 'BackupReady', 'False', 'BackupFailed');
    expect(failed.message).toMatch(/^backup Job bkfail-backup-manual failed at .*BackoffLimitExceeded/);
    // The cause, from the pod's termination message (here the kwok stage's), is in the condition.
    expect(failed.message).toContain(
      '): migration failed on demand (kwok stage storefront-migration-fails);',
    );
    const sf = kJson(['get', 'storefront', 'bkfail', '-n', ns]);
    expect(sf.status.backups.lastFailedTime).toMatch(/^20\d\d-/);
    expect(condition(ns, 'bkfail', 'Ready')?.message ?? '').not.toContain('Backup');
  });
});

describe('restore reconciled by the operator', () => {
  it('when the restore Job fails, then Restored names the backup and its volume, and neither the migration nor the app is ever created', async () => {
    apply('rsfail', {
      cache: { mode: 'disabled' },
      database: {
        image: FAILING_MIGRATION_IMAGE,
        restore: { from: { backup: 'latest', claimName: 'bk-backups' } },
      },
    });
    const restored = await waitCondition(ns, 'rsfail', 'Restored', 'False', 'RestoreFailed');
    expect(restored.message).toContain(
      'restore of backup latest from PersistentVolumeClaim bk-backups failed',
    );
    expect(restored.message).toContain(
      '): migration failed on demand (kwok stage storefront-migration-fails); nothing was restored',
    );
    expect(condition(ns, 'rsfail', 'AppReady')).toMatchObject({ status: 'False', reason: 'RestoreFailed' });
    expect(condition(ns, 'rsfail', 'Ready')?.status).toBe('False');
    const job = kJson(['get', 'job', 'rsfail-restore', '-n', ns]);
    expect(
      job.spec.template.spec.volumes.find((v: any) => v.name === 'backups').persistentVolumeClaim,
    ).toEqual({
      claimName: 'bk-backups',
      readOnly: true,
    });
    expectNotFound(ns, 'deployment', 'rsfail-app');
    const jobs = kJson(['get', 'jobs', '-n', ns, '-l', 'storefront.dev/storefront=rsfail']).items;
    expect(jobs.map((j: any) => j.metadata.name)).toEqual(['rsfail-restore']);
  });

  it('when the restore Job succeeds, then the migration Job and the app are created after it', async () => {
    apply('rs', {
      cache: { mode: 'disabled' },
      database: { restore: { from: { backup: 'latest', claimName: 'bk-backups' } } },
    });
    await waitCondition(ns, 'rs', 'Restored', 'True', 'Restored');
    const app = await waitFor('Deployment rs-app', () => {
      const r = kTry(['get', 'deployment', 'rs-app', '-n', ns, '-o', 'json']);
      return r.status === 0 ? JSON.parse(r.stdout) : undefined;
    });
    const restore = kJson(['get', 'job', 'rs-restore', '-n', ns]);
    expect(Date.parse(app.metadata.creationTimestamp)).toBeGreaterThanOrEqual(
      Date.parse(restore.status.completionTime),
    );
    const migrate = kJson([
      'get',
      'jobs',
      '-n',
      ns,
      '-l',
      'app.kubernetes.io/component=migration,storefront.dev/storefront=rs',
    ]);
    expect(migrate.items).toHaveLength(1);
    expect(Date.parse(migrate.items[0].metadata.creationTimestamp)).toBeGreaterThanOrEqual(
      Date.parse(restore.status.completionTime),
    );
  });

  it('when restore is added to an existing Storefront, then the API server refuses it naming the field', () => {
    const r = kTry(
      ['apply', '--server-side', '--field-manager=backup-test', '-n', ns, '-f', '-'],
      storefrontDoc('bk', {
        cache: { mode: 'disabled' },
        database: { backup: BACKUP, restore: { from: { backup: 'latest' } } },
      }),
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('spec.database.restore');
    expect(r.stderr).toContain('restore can only be set when the Storefront is created');
  });
});
