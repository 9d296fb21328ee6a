// spec.database.backup in database mode cloudnativepg: CloudNativePG's own backups, not ours. The
// instances back themselves up physically (barman-cloud: base backups plus the WAL archive) to the
// bucket of backup.destination.s3, so what is rendered is CloudNativePG configuration only:
//   - the Cluster's spec.backup (barmanObjectStore: where, with which credentials; retentionPolicy);
//   - a ScheduledBackup <name>-backup that asks for a base backup on the schedule.
// No CronJob, scripts, backups volume or NetworkPolicy of ours: the instance pods are CloudNativePG's
// and carry no label our policies select. The storefront-schema rules refuse what CloudNativePG
// cannot express (an s3-less destination, a time zone, day-of-week 7, a count or hours retention).

import type { Storefront } from '../api/types.ts';
import { s3Prefix } from './backup-s3.ts';
import { labels, names } from './names.ts';
import type { Objects } from './objects.ts';

type Backup = NonNullable<Storefront['spec']['database']['backup']>;
type S3 = NonNullable<Backup['destination']['s3']>;

/**
 * Our five-field schedule as CloudNativePG reads it: robfig/cron v1.2.0's `cron.Parse` wants six
 * fields, seconds first, so a backup at second 0 of the same minutes; @daily and the other
 * descriptors are read as they are.
 */
export function cloudNativePgSchedule(schedule: string): string {
  return schedule.startsWith('@') ? schedule : `0 ${schedule}`;
}

/** `s3://<bucket>/<prefix>` without the prefix's trailing slash (barman appends `/<serverName>`). */
export function barmanDestinationPath(sf: Storefront, s3: S3): string {
  const prefix = s3Prefix(sf, s3).replace(/\/+$/, '');
  return `s3://${s3.bucket}${prefix ? `/${prefix}` : ''}`;
}

/** The Cluster's spec.backup, or undefined without a backup. */
export function cloudNativePgClusterBackup(sf: Storefront): Record<string, unknown> | undefined {
  const backup = sf.spec.database.backup;
  const s3 = backup?.destination.s3;
  // Admission refuses a cloudnativepg backup without s3 or maxAge; render does not guess.
  if (!backup || !s3 || !backup.retention.maxAge) return undefined;
  const secret = s3.credentialsSecret;
  return {
    barmanObjectStore: {
      destinationPath: barmanDestinationPath(sf, s3),
      endpointURL: s3.endpoint.replace(/\/$/, ''),
      s3Credentials: {
        accessKeyId: { name: secret.name, key: secret.accessKeyIdKey },
        secretAccessKey: { name: secret.name, key: secret.secretAccessKeyKey },
      },
    },
    // maxAge is in days in this mode (admission): 30d is CloudNativePG's retentionPolicy as it is.
    retentionPolicy: backup.retention.maxAge,
  };
}

/** The ScheduledBackup <name>-backup, owned through the Storefront like every child. */
export function renderCloudNativePgScheduledBackup(out: Objects, sf: Storefront): void {
  const backup = sf.spec.database.backup;
  if (!backup?.destination.s3) return;
  const n = names(sf);
  out.addCustom({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'ScheduledBackup',
    metadata: {
      name: n.backup,
      labels: labels(sf, 'backup', 'cloudnativepg-scheduled-backup', sf.spec.database.version),
    },
    spec: {
      cluster: { name: n.cnpgCluster },
      schedule: cloudNativePgSchedule(backup.schedule),
      method: 'barmanObjectStore',
      // The Backup objects it creates are owned by it, so they go when backup is removed.
      backupOwnerReference: 'self',
      suspend: backup.suspend,
    },
  });
}
