// spec.database.backup and spec.database.restore: scheduled logical backups (pg_dump, custom
// format) onto a volume of their own (destination.pvc, the default) or into an S3-compatible
// bucket (destination.s3, operator/api/s3-schema.ts; the scripts are tested against gofakes3 with
// a SigV4 check, test/s3-server), and a restore that runs before the app on a new Storefront, from
// either (restore.from.claimName or restore.from.s3; neither: the Storefront's own destination).

import { compareQuantities } from './quantity.ts';
import { s3Location } from './s3-schema.ts';
import {
  bool,
  defaulted,
  int,
  obj,
  oneOf,
  optional,
  type Property,
  type Rule,
  required,
  type StringSchema,
  str,
} from './schema.ts';

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

// One cron field: `*`, a value or a range, optionally stepped, comma-separated (robfig/cron, which
// the CronJob controller uses). Values are bounded per field, so `61 * * * *` is refused here and
// not only by the CronJob's own admission.
const months =
  'JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const days = 'SUN|MON|TUE|WED|THU|FRI|SAT|sun|mon|tue|wed|thu|fri|sat';
const cronField = (value: string) => {
  const item = `(\\*|(${value})(-(${value}))?)(/[1-9][0-9]{0,2})?`;
  return `${item}(,${item})*`;
};
const CRON_FIELDS = [
  '[0-5]?[0-9]',
  '[01]?[0-9]|2[0-3]',
  '0?[1-9]|[12][0-9]|3[01]',
  `0?[1-9]|1[0-2]|${months}`,
  `[0-7]|${days}`,
];
/** Five cron fields, or one of the macros the CronJob controller knows. No TZ= prefix (use timeZone). */
export const CRON_PATTERN = `^((${CRON_FIELDS.map(cronField).join(') (')})|@(yearly|annually|monthly|weekly|daily|midnight|hourly))$`;

/** Backup names are the UTC time the backup started: `20261201T031500Z`. */
export const BACKUP_NAME_PATTERN = '^[0-9]{8}T[0-9]{6}Z$';
/**
 * What `restore.from.backup` accepts: a backup name, or `latest` (the newest complete backup). The
 * trailing Z is ours (managed mode); CloudNativePG's Barman backup IDs have none. Which of the two
 * a Storefront takes is a rule of its database mode (cloudnativepg-restore-rules.ts).
 */
const RESTORE_BACKUP_PATTERN = '^([0-9]{8}T[0-9]{6}Z?|latest)$';
/** A Storefront name (validate.ts NAME_PATTERN, at most 40 characters). */
const STOREFRONT_NAME = '^[a-z]([-a-z0-9]*[a-z0-9])?$';
/** maxAge: whole hours or days. */
export const MAX_AGE_PATTERN = '^[1-9][0-9]{0,4}(h|d)$';

/** maxAge in seconds (the script compares backup times against now minus this). */
export function maxAgeSeconds(maxAge: string): number {
  const n = Number(maxAge.slice(0, -1));
  return maxAge.endsWith('d') ? n * 86400 : n * 3600;
}

const lte = (field: 'cpu' | 'memory'): Rule => ({
  cel: `quantity(string(self.requests.${field})).compareTo(quantity(string(self.limits.${field}))) <= 0`,
  message: `requests.${field} must be less than or equal to limits.${field}`,
  fieldPath: `.requests.${field}`,
  check: (s) => compareQuantities(s.requests[field], s.limits[field]) <= 0,
});

/** The shared quantity/resources builders are passed in (they live with the rest of the spec). */
export function backupSchemas(b: {
  bytes: (description: string) => StringSchema;
  cpu: (description: string) => StringSchema;
}) {
  const backupResources = obj(
    {
      requests: defaulted(
        obj(
          {
            cpu: defaulted(b.cpu('CPU a backup or restore is guaranteed.'), '50m'),
            memory: defaulted(b.bytes('Memory a backup or restore is guaranteed.'), '64Mi'),
          },
          { description: 'Resource requests of the backup and restore containers.' },
        ),
      ),
      limits: defaulted(
        obj(
          {
            cpu: defaulted(b.cpu('CPU limit of a backup or restore.'), '1'),
            memory: defaulted(
              b.bytes('Memory limit of a backup or restore; the container is OOM-killed above it.'),
              '512Mi',
            ),
          },
          { description: 'Resource limits of the backup and restore containers.' },
        ),
      ),
    },
    {
      description: 'Compute resources of the backup (and restore) container.',
      rules: [lte('cpu'), lte('memory')],
    },
  );

  const pvc = obj(
    {
      size: defaulted(
        {
          ...b.bytes('Size of the backups volume <name>-backups; it may grow, never shrink.'),
          rules: [
            ...(b.bytes('').rules ?? []),
            {
              cel: 'quantity(string(self)).compareTo(quantity(string(oldSelf))) >= 0',
              message: 'the backups volume cannot shrink (it may only grow)',
              transition: true,
              check: (s, o) => compareQuantities(s, o) >= 0,
            },
          ],
        },
        '10Gi',
      ),
      storageClassName: optional(
        str({
          description: 'StorageClass of the backups volume (default: the cluster default); fixed once set.',
          pattern: DNS_SUBDOMAIN,
          maxLength: 253,
        }),
      ),
      deletionPolicy: defaulted(
        oneOf(['Retain', 'Delete'], {
          description:
            'Retain: the backups volume outlives the Storefront even under spec.deletionPolicy Delete (backups are for when the data is gone; a Storefront re-created with restore.from finds them); Delete: it follows spec.deletionPolicy like the data volume.',
        }),
        'Retain',
      ),
    },
    {
      description: 'The backups volume: a PersistentVolumeClaim <name>-backups of its own.',
      rules: [
        {
          cel: 'has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
          message: 'storageClassName cannot change once the backups volume exists',
          fieldPath: '.storageClassName',
          transition: true,
          check: (s, o) => s.storageClassName === o.storageClassName,
        },
      ],
    },
  );

  const destinationSchema = obj(
    { pvc: optional(pvc), s3: optional(s3Location('destination')) },
    {
      description:
        'Where backups are written: exactly one of pvc (a volume of its own, the default) or s3 (a bucket). Switching destination is allowed: new backups go to the new one, retention only deletes there, and the backups already written stay where they are (the volume per its deletionPolicy, the objects in the bucket); restore.from still reads them.',
      rules: [
        {
          cel: 'has(self.pvc) != has(self.s3)',
          message: 'exactly one of pvc or s3 must be set',
          check: (s) => (s.pvc !== undefined) !== (s.s3 !== undefined),
        },
      ],
    },
  );
  // Nothing given: the volume with its defaults. Written out by hand because pvc is optional (an
  // s3 destination must not get a pvc defaulted beside it).
  const destination: Property<typeof destinationSchema, 'defaulted'> = {
    schema: destinationSchema,
    presence: 'defaulted',
    default: { pvc: defaulted(pvc).default },
  };

  const backup = obj(
    {
      schedule: required(
        str({
          description:
            'When backups run: a cron schedule of five fields (minute hour day-of-month month day-of-week, in the time zone of timeZone) or @hourly, @daily, @weekly, @monthly, @yearly. Database mode cloudnativepg: day-of-week 0-6 only (the cron parser of CloudNativePG).',
          pattern: CRON_PATTERN,
          patternDescription: 'a cron schedule',
          maxLength: 128,
        }),
      ),
      timeZone: defaulted(
        str({
          description:
            'IANA time zone of the schedule (CronJob timeZone). Database mode cloudnativepg: Etc/UTC only (its ScheduledBackup has no time zone).',
          pattern: '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$',
          maxLength: 64,
        }),
        'Etc/UTC',
      ),
      retention: defaulted(
        obj(
          {
            count: defaulted(
              int({
                description:
                  'Backups kept: after each backup, all but the newest count are deleted. Does not apply in database mode cloudnativepg (CloudNativePG keeps backups by age only: maxAge).',
                minimum: 1,
                maximum: 1000,
              }),
              7,
            ),
            maxAge: optional(
              str({
                description:
                  'Also delete backups older than this (whole hours or days: 72h, 30d); the newest backup is never deleted. Database mode cloudnativepg: required, in days (it becomes the retentionPolicy of the Cluster).',
                pattern: MAX_AGE_PATTERN,
                patternDescription: 'hours or days such as 72h or 30d',
                maxLength: 8,
              }),
            ),
          },
          { description: 'Which backups are kept.' },
        ),
      ),
      destination: destination,
      suspend: defaulted(
        bool({ description: 'Stop scheduling backups (CronJob suspend); running ones finish.' }),
        false,
      ),
      resources: defaulted(backupResources),
    },
    {
      description:
        'Database mode cloudnativepg (destination.s3 only): physical backups by CloudNativePG instead, a ScheduledBackup <name>-backup and the barmanObjectStore of the Cluster (README, Backups and restore). Otherwise scheduled logical backups of the managed database: a CronJob runs pg_dump (custom format) of every database into <time>/ (on the volume <name>-backups, or under the prefix in the bucket) with SHA256SUMS and a manifest.json (time, Postgres and app version, size, sha256).',
    },
  );

  const restore = obj(
    {
      from: required(
        obj(
          {
            backup: required(
              str({
                description:
                  "The backup to restore: its name (the UTC time it started, e.g. 20261201T031500Z, as `storefront backup list` shows) or latest. Database mode cloudnativepg: a Barman backup ID (e.g. 20261201T031500, no Z: status.backupId of CloudNativePG's Backup objects), restored to the state at the end of that backup; or latest, the newest base backup and all the WAL archived after it.",
                pattern: RESTORE_BACKUP_PATTERN,
                patternDescription:
                  'a backup name such as 20261201T031500Z (20261201T031500 in mode cloudnativepg), or latest',
                maxLength: 32,
              }),
            ),
            claimName: optional(
              str({
                description:
                  "The PersistentVolumeClaim holding the backups (default: this Storefront's <name>-backups; another Storefront's <other>-backups to restore its backup here).",
                pattern: DNS_SUBDOMAIN,
                maxLength: 253,
              }),
            ),
            s3: optional(s3Location('source')),
            storefront: optional(
              str({
                description:
                  'Database mode cloudnativepg: the Storefront whose backups these are (default: this one). Its Cluster <storefront>-postgres is the Barman server name the backups are stored under, and <storefront>/ the default of s3.prefix. Not used in mode managed (name the source there by claimName or s3.prefix).',
                pattern: STOREFRONT_NAME,
                patternDescription: 'a Storefront name',
                maxLength: 40,
              }),
            ),
          },
          {
            description:
              "Which backup to restore, and from where: claimName (a backups volume) or s3 (a bucket), not both; neither: this Storefront's own backup destination (its bucket when backup.destination is s3, else its <name>-backups volume).",
            rules: [
              {
                cel: '!has(self.claimName) || !has(self.s3)',
                message: 'claimName and s3 are alternatives: set at most one',
                fieldPath: '.s3',
                check: (s) => s.claimName === undefined || s.s3 === undefined,
              },
            ],
          },
        ),
      ),
    },
    {
      description:
        "Restore a backup before the app starts (new Storefronts; set at creation only). Managed database: a Job <name>-restore verifies the backup's checksums and restores it with pg_restore --single-transaction into the empty database; it never restores over a database that holds tables. Database mode cloudnativepg: the Cluster is created with bootstrap.recovery from the bucket (CloudNativePG recovers only when it creates a Cluster, never in place). Either way the migration and the app start only after the restore succeeded.",
    },
  );
  return { backup, restore, backupResources };
}
