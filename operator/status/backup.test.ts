import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront } from '../api/validate.ts';
import { names } from '../render/names.ts';
import { computeStatus, type ObservedChild, statusChanged } from './conditions.ts';

const sf = (database: Record<string, unknown>, status?: Storefront['status']): Storefront => ({
  ...parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop' },
    spec: { host: 'shop.example.com', database },
  }),
  metadata: { name: 'shop', namespace: 'ns', generation: 1 },
  ...(status ? { status } : {}),
});
const BACKUP = { backup: { schedule: '0 3 * * *' } };
const T0 = new Date('2026-12-01T04:00:00Z');
const cron: [string, ObservedChild] = [
  'CronJob/shop-backup',
  { metadata: { name: 'shop-backup' }, status: {} },
];
const done = (name: string, at: string): ObservedChild => ({
  metadata: { name },
  status: {
    succeeded: 1,
    completionTime: at,
    conditions: [{ type: 'Complete', status: 'True', lastTransitionTime: at }],
  },
});
const failed = (name: string, at: string): ObservedChild => ({
  metadata: { name },
  status: {
    failed: 2,
    conditions: [
      {
        type: 'Failed',
        status: 'True',
        lastTransitionTime: at,
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ],
  },
});
const status = (
  s: Storefront,
  children: [string, ObservedChild][],
  backupJobs?: ObservedChild[],
  jobCauses?: Map<string, string>,
) =>
  computeStatus(
    s,
    {
      children: new Map(children),
      missingApis: new Set(),
      missingSecrets: [],
      ...(backupJobs ? { backupJobs } : {}),
      ...(jobCauses ? { jobCauses } : {}),
    },
    T0,
  );
const cond = (st: ReturnType<typeof computeStatus>, type: string) =>
  st.conditions!.find((c) => c.type === type);

describe('BackupReady and status.backups', () => {
  it('when no backup is set, then there is neither a BackupReady condition nor status.backups', () => {
    const st = status(sf({}), []);
    expect(cond(st, 'BackupReady')).toBeUndefined();
    expect(st.backups).toBeUndefined();
  });

  it('when no backup has run yet, then BackupReady is True (Scheduled) and names the schedule', () => {
    const st = status(sf(BACKUP), [cron], []);
    expect(cond(st, 'BackupReady')).toMatchObject({ status: 'True', reason: 'Scheduled' });
    expect(cond(st, 'BackupReady')!.message).toContain('0 3 * * *');
    expect(st.backups).toEqual({});
  });

  it('when the newest backup Job failed after an older success, then BackupReady is False naming the Job and both times are kept', () => {
    const st = status(
      sf(BACKUP),
      [cron],
      [done('shop-backup-1', '2026-12-01T03:00:10Z'), failed('shop-backup-2', '2026-12-01T03:30:05Z')],
    );
    expect(cond(st, 'BackupReady')).toMatchObject({ status: 'False', reason: 'BackupFailed' });
    expect(cond(st, 'BackupReady')!.message).toContain(
      'backup Job shop-backup-2 failed at 2026-12-01T03:30:05Z (BackoffLimitExceeded',
    );
    expect(st.backups).toEqual({
      lastSuccessfulTime: '2026-12-01T03:00:10Z',
      lastFailedTime: '2026-12-01T03:30:05Z',
    });
    // A failed backup does not take the shop out of Ready's reasons.
    expect(cond(st, 'Ready')!.message).not.toContain('BackupReady');
  });

  it('when a later backup succeeds, then BackupReady is True again and lastFailedTime stays', () => {
    const previous = status(sf(BACKUP), [cron], [failed('shop-backup-2', '2026-12-01T03:30:05Z')]);
    const st = status(sf(BACKUP, previous), [cron], [done('shop-backup-3', '2026-12-01T03:45:00Z')]);
    expect(cond(st, 'BackupReady')).toMatchObject({ status: 'True', reason: 'Succeeded' });
    expect(st.backups).toEqual({
      lastSuccessfulTime: '2026-12-01T03:45:00Z',
      lastFailedTime: '2026-12-01T03:30:05Z',
    });
    expect(statusChanged(previous, st)).toBe(true);
    expect(
      statusChanged(st, status(sf(BACKUP, st), [cron], [done('shop-backup-3', '2026-12-01T03:45:00Z')])),
    ).toBe(false);
  });

  it("when a backup Job failed and its pod said why, then BackupReady's message carries that cause", () => {
    const cause =
      'backup failed: pg_dump of database storefront failed: could not write: No space left on device';
    const st = status(
      sf(BACKUP),
      [cron],
      [failed('shop-backup-5', '2026-12-01T03:50:00Z')],
      new Map([['shop-backup-5', cause]]),
    );
    expect(cond(st, 'BackupReady')).toMatchObject({ status: 'False', reason: 'BackupFailed' });
    expect(cond(st, 'BackupReady')!.message).toBe(
      `backup Job shop-backup-5 failed at 2026-12-01T03:50:00Z (BackoffLimitExceeded: Job has reached the specified backoff limit): ${cause}; see kubectl logs --all-containers job/shop-backup-5`,
    );
  });

  it('when a backup Job is still running, then it does not count as the last result', () => {
    const running: ObservedChild = { metadata: { name: 'shop-backup-4' }, status: { active: 1 } };
    const st = status(sf(BACKUP), [cron], [done('shop-backup-3', '2026-12-01T03:45:00Z'), running]);
    expect(cond(st, 'BackupReady')).toMatchObject({ status: 'True', reason: 'Succeeded' });
  });
});

describe('Restored', () => {
  const RESTORE = { restore: { from: { backup: '20261201T031500Z' } } };
  const n = names(sf(RESTORE));

  it('when the restore Job runs, then Restored and AppReady are False and Ready waits for it', () => {
    const st = status(sf(RESTORE), [
      [`Job/${n.restore}`, { metadata: { name: n.restore }, status: { active: 1 } }],
    ]);
    expect(cond(st, 'Restored')).toMatchObject({ status: 'False', reason: 'Restoring' });
    expect(cond(st, 'AppReady')).toMatchObject({ status: 'False', reason: 'WaitingForRestore' });
    expect(cond(st, 'Ready')!.status).toBe('False');
  });

  it('when the restore Job failed, then Restored names the backup and the volume, and the app is not started', () => {
    const st = status(sf(RESTORE), [[`Job/${n.restore}`, failed(n.restore, '2026-12-01T03:50:00Z')]]);
    expect(cond(st, 'Restored')).toMatchObject({ status: 'False', reason: 'RestoreFailed' });
    expect(cond(st, 'Restored')!.message).toContain(
      'restore of backup 20261201T031500Z from PersistentVolumeClaim shop-backups failed',
    );
    expect(cond(st, 'AppReady')).toMatchObject({ status: 'False', reason: 'RestoreFailed' });
  });

  it("when the restore Job failed and its pod said why, then Restored's message carries that cause", () => {
    const cause =
      'restore failed: backup 20261201T031500Z on PersistentVolumeClaim shop-backups is corrupt (checksum mismatch, sha256sum -c SHA256SUMS); nothing was restored';
    const st = status(
      sf(RESTORE),
      [[`Job/${n.restore}`, failed(n.restore, '2026-12-01T03:50:00Z')]],
      undefined,
      new Map([[n.restore, cause]]),
    );
    expect(cond(st, 'Restored')!.message).toContain(
      `(Job ${n.restore}: BackoffLimitExceeded: Job has reached the specified backoff limit): ${cause}; nothing was restored`,
    );
  });

  it('when the restore Job succeeded, then Restored is True and the app is judged as usual', () => {
    const st = status(sf(RESTORE), [[`Job/${n.restore}`, done(n.restore, '2026-12-01T03:50:00Z')]]);
    expect(cond(st, 'Restored')).toMatchObject({ status: 'True', reason: 'Restored' });
    expect(cond(st, 'AppReady')).toMatchObject({ status: 'False', reason: 'Migrating' });
  });
});
