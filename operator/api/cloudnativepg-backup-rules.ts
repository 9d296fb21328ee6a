// spec.database rules for backup in database mode cloudnativepg, where CloudNativePG runs the
// backups (render/cloudnativepg-backup.ts): refused here is whatever its ScheduledBackup and
// barmanObjectStore cannot express, each naming the field and why, rather than rendered differently
// from what was asked. Facts from CloudNativePG v1.28.0: the schedule is parsed by robfig/cron
// v1.2.0's cron.Parse (day-of-week 0-6, no time zone: the operator's, UTC in its image), the
// retentionPolicy is `^[1-9][0-9]*[dwm]$` (an age, no count), and an S3 region can only come from a
// Secret key.

import type { Rule } from './schema.ts';

const CNPG = "self.mode != 'cloudnativepg' || !has(self.backup) || ";
// A day-of-week value 7: the fifth field holding a 7 at its start or after a comma or a hyphen (a
// 7 after a slash is a step, which CloudNativePG accepts). [^ ] rather than \S: the pattern is
// also a CEL string literal.
const DAY_OF_WEEK_7 = '^[^ ]+ [^ ]+ [^ ]+ [^ ]+ ([^ ]*[,-])?7';
// biome-ignore lint/suspicious/noExplicitAny: the database value as the API server sees it
const cnpgBackup = (s: any) => s.mode !== 'cloudnativepg' || s.backup === undefined;

export const CLOUDNATIVE_PG_BACKUP_RULES: Rule[] = [
  {
    cel: `${CNPG}(has(self.backup.destination) && has(self.backup.destination.s3))`,
    message:
      'in database mode cloudnativepg, backup needs destination.s3: CloudNativePG backs up to an object store (its instances archive WAL and base backups there), not to a volume',
    fieldPath: '.backup.destination',
    check: (s) => cnpgBackup(s) || s.backup.destination?.s3 !== undefined,
  },
  {
    cel: `${CNPG}self.backup.timeZone in ['Etc/UTC', 'UTC']`,
    message:
      "in database mode cloudnativepg, backup.timeZone must be Etc/UTC: CloudNativePG's ScheduledBackup has no time zone (its schedule runs in UTC)",
    fieldPath: '.backup.timeZone',
    check: (s) => cnpgBackup(s) || ['Etc/UTC', 'UTC'].includes(s.backup.timeZone),
  },
  {
    cel: `${CNPG}!self.backup.schedule.matches('${DAY_OF_WEEK_7}')`,
    message:
      "in database mode cloudnativepg, backup.schedule cannot use day-of-week 7: CloudNativePG's cron parser knows 0-6 (write Sunday as 0 or SUN)",
    fieldPath: '.backup.schedule',
    check: (s) => cnpgBackup(s) || !new RegExp(DAY_OF_WEEK_7).test(s.backup.schedule),
  },
  {
    cel: `${CNPG}(has(self.backup.retention.maxAge) && self.backup.retention.maxAge.endsWith('d'))`,
    message:
      'in database mode cloudnativepg, backup.retention.maxAge is required and in days (e.g. 30d): CloudNativePG keeps backups by age only, as a retentionPolicy in days (retention.count does not apply there, and hours cannot be expressed)',
    fieldPath: '.backup.retention.maxAge',
    check: (s) =>
      cnpgBackup(s) ||
      (typeof s.backup.retention?.maxAge === 'string' && s.backup.retention.maxAge.endsWith('d')),
  },
  {
    cel: `${CNPG}!has(self.backup.destination) || !has(self.backup.destination.s3) || self.backup.destination.s3.region == 'us-east-1'`,
    message:
      'in database mode cloudnativepg, backup.destination.s3.region must be us-east-1 (the default): CloudNativePG reads any other region from a Secret key, which Storefront does not render',
    fieldPath: '.backup.destination.s3.region',
    check: (s) =>
      cnpgBackup(s) ||
      s.backup.destination?.s3 === undefined ||
      s.backup.destination.s3.region === 'us-east-1',
  },
];
