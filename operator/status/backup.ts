// The backup and restore part of the status (pure): BackupReady from the Jobs of the backup
// CronJob (or, in database mode cloudnativepg, from the ScheduledBackup CloudNativePG runs),
// status.backups' last successful/failed times, and Restored from the restore Job (or, in database
// mode cloudnativepg, from the Cluster CloudNativePG recovers).

import type { Condition, Storefront, StorefrontStatus } from '../api/types.ts';
import { trueCondition } from '../core/object.ts';
import { backupS3, restoreS3, s3Prefix } from '../render/backup-s3.ts';
import { cloudNativePgRestoreSource } from '../render/cloudnativepg-restore.ts';
import { names } from '../render/names.ts';
import { childKey, type Observed, type ObservedChild } from './conditions.ts';

interface Verdict {
  ok: boolean;
  reason: string;
  message: string;
}

const jobCondition = (job: ObservedChild, type: 'Complete' | 'Failed') =>
  trueCondition(job.status?.conditions as Condition[] | undefined, type);

/** When a Job finished: its Complete/Failed condition's time (completionTime for successes). */
function finished(job: ObservedChild): { ok: boolean; at: string; why: string } | undefined {
  const failed = jobCondition(job, 'Failed');
  if (failed)
    return {
      ok: false,
      at: failed.lastTransitionTime ?? job.status?.startTime ?? '',
      why: `${failed.reason ?? 'Failed'}${failed.message ? `: ${failed.message}` : ''}`,
    };
  const complete = jobCondition(job, 'Complete');
  if (complete || (job.status?.succeeded ?? 0) >= 1)
    return { ok: true, at: job.status?.completionTime ?? complete?.lastTransitionTime ?? '', why: '' };
  return undefined;
}

/** `: <what the Job's pod said>` when observe found it (see observe/job-causes.ts), else ''. */
const cause = (o: Observed, job: ObservedChild) => {
  const c = o.jobCauses?.get(job.metadata.name);
  return c ? `: ${c}` : '';
};

const later = (a: string | undefined, b: string | undefined) => (!a ? b : !b ? a : a > b ? a : b);

export type Backups = NonNullable<StorefrontStatus['backups']>;

/** status.backups: the newest success and failure seen, never moving back (Jobs are pruned). */
export function backupTimes(sf: Storefront, o: Observed): Backups | undefined {
  // In cloudnativepg mode the outcomes are in CloudNativePG's Backup objects, which are not read.
  if (!sf.spec.database.backup || sf.spec.database.mode !== 'managed') return undefined;
  let { lastSuccessfulTime, lastFailedTime } = sf.status?.backups ?? {};
  const cron = o.children.get(childKey('CronJob', names(sf).backup));
  lastSuccessfulTime = later(lastSuccessfulTime, cron?.status?.lastSuccessfulTime);
  for (const job of o.backupJobs ?? []) {
    const f = finished(job);
    if (!f?.at) continue;
    if (f.ok) lastSuccessfulTime = later(lastSuccessfulTime, f.at);
    else lastFailedTime = later(lastFailedTime, f.at);
  }
  return {
    ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
    ...(lastFailedTime ? { lastFailedTime } : {}),
  };
}

/** BackupReady: the newest finished backup Job succeeded (a running one does not count yet). */
export function backupVerdict(sf: Storefront, o: Observed): Verdict | undefined {
  const backup = sf.spec.database.backup;
  if (!backup) return undefined;
  if (sf.spec.database.mode === 'cloudnativepg') return cloudNativePgBackupVerdict(sf, o);
  const n = names(sf);
  const cron = o.children.get(childKey('CronJob', n.backup));
  if (!cron) return { ok: false, reason: 'Creating', message: `CronJob ${n.backup} does not exist yet` };
  const done = (o.backupJobs ?? [])
    .map((job) => ({ job, f: finished(job) }))
    .filter((x): x is { job: ObservedChild; f: NonNullable<ReturnType<typeof finished>> } => !!x.f?.at)
    .sort((a, b) => (a.f.at < b.f.at ? 1 : a.f.at > b.f.at ? -1 : 0));
  const last = done[0];
  const s3 = backupS3(sf);
  const where = s3 ? `to s3://${s3.bucket}/${s3Prefix(sf, s3)}` : `to PersistentVolumeClaim ${n.backups}`;
  if (last && !last.f.ok)
    return {
      ok: false,
      reason: 'BackupFailed',
      message: `backup Job ${last.job.metadata.name} failed at ${last.f.at} (${last.f.why})${cause(o, last.job)}; see kubectl logs --all-containers job/${last.job.metadata.name}`,
    };
  if (last)
    return {
      ok: true,
      reason: 'Succeeded',
      message: `last backup ${where} succeeded at ${last.f.at} (Job ${last.job.metadata.name}); schedule ${backup.schedule}${backup.suspend ? ', suspended' : ''}`,
    };
  return {
    ok: true,
    reason: backup.suspend ? 'Suspended' : 'Scheduled',
    message: backup.suspend
      ? `CronJob ${n.backup} is suspended (backup.suspend); no backup has run yet`
      : `no backup has run yet; CronJob ${n.backup} runs on schedule ${backup.schedule} (${backup.timeZone})`,
  };
}

/**
 * BackupReady in database mode cloudnativepg: CloudNativePG runs the backups, and its
 * ScheduledBackup only says when it last started one (status.lastScheduleTime), not whether that
 * backup succeeded (that is in the Backup objects it creates, which we do not read). So the
 * condition says what it knows and where the outcome is, and never claims a success.
 */
function cloudNativePgBackupVerdict(sf: Storefront, o: Observed): Verdict {
  const backup = sf.spec.database.backup!;
  const n = names(sf);
  if (o.missingApis.has('ScheduledBackup'))
    return {
      ok: false,
      reason: 'MissingAPI',
      message:
        'database.backup in database mode cloudnativepg needs CloudNativePG (postgresql.cnpg.io/v1 ScheduledBackup), which this cluster does not serve',
    };
  const scheduled = o.children.get(childKey('ScheduledBackup', n.backup));
  if (!scheduled)
    return { ok: false, reason: 'Creating', message: `ScheduledBackup ${n.backup} does not exist yet` };
  const last = scheduled.status?.lastScheduleTime as string | undefined;
  const outcome = `delegated to CloudNativePG: their outcome is in its Backup objects (kubectl get backups.postgresql.cnpg.io -l cnpg.io/scheduled-backup=${n.backup})`;
  if (backup.suspend)
    return {
      ok: true,
      reason: 'Suspended',
      message: `ScheduledBackup ${n.backup} is suspended (backup.suspend)${last ? `; it last started a backup at ${last}` : ''}; backups are ${outcome}`,
    };
  return {
    ok: true,
    reason: 'Delegated',
    message: `${last ? `ScheduledBackup ${n.backup} last started a backup at ${last}` : `no backup has been started yet by ScheduledBackup ${n.backup}`} (schedule ${backup.schedule}, UTC); backups are ${outcome}`,
  };
}

/**
 * Restored in database mode cloudnativepg: CloudNativePG restores while it bootstraps the Cluster
 * and starts its first instance only after recovery reached its target, so a ready instance means
 * restored. A recovery that fails leaves the Cluster without one; CloudNativePG reports that in its
 * own objects (the recovery Job and pods, status.phase), which is where the message points: no
 * failure is inferred here, and nothing is claimed before an instance is ready.
 */
function cloudNativePgRestoreVerdict(sf: Storefront, o: Observed, backup: string): Verdict {
  const n = names(sf);
  const source = cloudNativePgRestoreSource(sf);
  const what = `${backup === 'latest' ? 'the latest backup (and the WAL archived after it)' : `backup ${backup}`}${source ? ` of server ${source.serverName} from ${source.destinationPath} at ${source.s3.endpoint}` : ''}`;
  if (o.missingApis.has('Cluster'))
    return {
      ok: false,
      reason: 'MissingAPI',
      message: `restoring ${what} needs CloudNativePG (postgresql.cnpg.io/v1 Cluster), which this cluster does not serve`,
    };
  const cluster = o.children.get(childKey('Cluster', n.cnpgCluster));
  if ((cluster?.status?.readyInstances ?? 0) >= 1 || o.children.get(childKey('Deployment', n.app)))
    return {
      ok: true,
      reason: 'Restored',
      message: `${what} restored by CloudNativePG into Cluster ${n.cnpgCluster}`,
    };
  if (!cluster)
    return { ok: false, reason: 'Restoring', message: `Cluster ${n.cnpgCluster} does not exist yet` };
  const phase = typeof cluster.status?.phase === 'string' ? ` (phase: ${cluster.status.phase})` : '';
  return {
    ok: false,
    reason: 'Restoring',
    message: `CloudNativePG is bootstrapping Cluster ${n.cnpgCluster} from ${what}${phase}; the migration and the app start once an instance is ready; a failing recovery shows in kubectl get jobs,pods -l cnpg.io/cluster=${n.cnpgCluster}`,
  };
}

/** Restored: the restore Job's outcome, naming the backup and the volume it comes from. */
export function restoreVerdict(sf: Storefront, o: Observed): Verdict | undefined {
  const restore = sf.spec.database.restore;
  if (!restore) return undefined;
  if (sf.spec.database.mode === 'cloudnativepg')
    return cloudNativePgRestoreVerdict(sf, o, restore.from.backup);
  const n = names(sf);
  const s3 = restoreS3(sf);
  const what = s3
    ? `backup ${restore.from.backup} from s3://${s3.bucket}/${s3Prefix(sf, s3)} at ${s3.endpoint}`
    : `backup ${restore.from.backup} from PersistentVolumeClaim ${restore.from.claimName ?? n.backups}`;
  const job = o.children.get(childKey('Job', n.restore));
  if (!job) {
    // The Job is gone (removed by hand) while the app runs: the restore happened once.
    return o.children.get(childKey('Deployment', n.app))
      ? { ok: true, reason: 'Restored', message: `${what} was restored (Job ${n.restore} no longer exists)` }
      : { ok: false, reason: 'Restoring', message: `Job ${n.restore} does not exist yet` };
  }
  const f = finished(job);
  if (f && !f.ok)
    return {
      ok: false,
      reason: 'RestoreFailed',
      message: `restore of ${what} failed (Job ${n.restore}: ${f.why})${cause(o, job)}; nothing was restored and the app is not started; see kubectl logs --all-containers job/${n.restore}`,
    };
  if (f) return { ok: true, reason: 'Restored', message: `${what} restored by Job ${n.restore}` };
  return {
    ok: false,
    reason: 'Restoring',
    message: `Job ${n.restore} is restoring ${what}; the migration and the app start once it succeeded`,
  };
}
