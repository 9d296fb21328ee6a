// spec.database rules for restore, by database mode. Managed: our restore Job reads our logical
// backups (a volume or a bucket, backup names with a Z). cloudnativepg: the Cluster is created with
// bootstrap.recovery from CloudNativePG's own physical backups in a bucket
// (render/cloudnativepg-restore.ts), so refused here is what CloudNativePG v1.28.0 cannot do, each
// naming the field and why:
//   - a backups volume (claimName): CloudNativePG recovers from an object store (or a Backup object
//     or volume snapshots, which Storefront does not render), and a volume holds our pg_dump files;
//   - no bucket at all (neither restore.from.s3 nor backup.destination.s3);
//   - a backup name with our Z: Barman backup IDs have none (barman-cloud names a backup
//     YYYYMMDDTHHMMSS, what CloudNativePG's Backup objects show as status.backupId);
//   - a region other than us-east-1 (as for backup: CloudNativePG reads a region from a Secret key);
//   - restoring from exactly where this Storefront's own backups will be archived (same bucket,
//     prefix and server name): CloudNativePG checks that a new Cluster's WAL archive is empty
//     before it restores, so that recovery would never start.
// When restore may be set (on create only, never changed) is the transition rule beside these in
// storefront-schema.ts, the same for both modes: CloudNativePG reads bootstrap only when it creates
// a Cluster, so a restore added to a running Storefront would restore nothing.

import type { Rule } from './schema.ts';

const RESTORE = '!has(self.restore) || ';
const CNPG = `self.mode != 'cloudnativepg' || ${RESTORE}`;
const MANAGED = `self.mode != 'managed' || ${RESTORE}`;
// biome-ignore lint/suspicious/noExplicitAny: the database value as the API server sees it
const not = (mode: string) => (s: any) => s.mode !== mode || s.restore === undefined;
const cnpg = not('cloudnativepg');
const managed = not('managed');

// The same endpoint with or without its trailing slash (render strips it).
const sameEndpoint = (a: string, b: string) => `(${a} == ${b} || ${a} + '/' == ${b} || ${a} == ${b} + '/')`;
const trim = (e: string) => e.replace(/\/$/, '');
const FROM = 'self.restore.from.s3';
const DEST = 'self.backup.destination.s3';

export const RESTORE_RULES: Rule[] = [
  {
    cel: "self.mode != 'external' || !has(self.restore)",
    message:
      "restore needs mode 'managed' or 'cloudnativepg' (it restores into the Storefront's own database; an external database is restored by its provider)",
    fieldPath: '.restore',
    check: (s) => s.mode !== 'external' || s.restore === undefined,
  },
  {
    cel: `${MANAGED}self.restore.from.backup == 'latest' || self.restore.from.backup.endsWith('Z')`,
    message:
      'in database mode managed, restore.from.backup is a backup name as `storefront backup list` shows it (the UTC time with a Z, e.g. 20261201T031500Z) or latest',
    fieldPath: '.restore.from.backup',
    check: (s) => managed(s) || s.restore.from.backup === 'latest' || s.restore.from.backup.endsWith('Z'),
  },
  {
    cel: `${MANAGED}!has(self.restore.from.storefront)`,
    message:
      'in database mode managed, restore.from.storefront does not apply (it names the CloudNativePG Cluster whose backups are read): name the source by restore.from.claimName or restore.from.s3.prefix',
    fieldPath: '.restore.from.storefront',
    check: (s) => managed(s) || s.restore.from.storefront === undefined,
  },
  {
    cel: `${CNPG}!has(self.restore.from.claimName)`,
    message:
      'in database mode cloudnativepg, restore.from.claimName cannot be used: CloudNativePG recovers physical backups from a bucket (restore.from.s3, or backup.destination.s3), and a backups volume holds logical ones',
    fieldPath: '.restore.from.claimName',
    check: (s) => cnpg(s) || s.restore.from.claimName === undefined,
  },
  {
    cel: `${CNPG}has(self.restore.from.claimName) || has(${FROM}) || (has(self.backup) && has(self.backup.destination) && has(${DEST}))`,
    message:
      "in database mode cloudnativepg, restore needs a bucket: restore.from.s3 (where the backups are), or backup.destination.s3 to restore this Storefront's own backups",
    fieldPath: '.restore.from.s3',
    check: (s) =>
      cnpg(s) ||
      s.restore.from.claimName !== undefined ||
      s.restore.from.s3 !== undefined ||
      s.backup?.destination?.s3 !== undefined,
  },
  {
    cel: `${CNPG}self.restore.from.backup == 'latest' || !self.restore.from.backup.endsWith('Z')`,
    message:
      "in database mode cloudnativepg, restore.from.backup is a Barman backup ID without a Z (e.g. 20261201T031500, status.backupId of CloudNativePG's Backup objects) or latest",
    fieldPath: '.restore.from.backup',
    check: (s) => cnpg(s) || s.restore.from.backup === 'latest' || !s.restore.from.backup.endsWith('Z'),
  },
  {
    cel: `${CNPG}!has(${FROM}) || ${FROM}.region == 'us-east-1'`,
    message:
      'in database mode cloudnativepg, restore.from.s3.region must be us-east-1 (the default): CloudNativePG reads any other region from a Secret key, which Storefront does not render',
    fieldPath: '.restore.from.s3.region',
    check: (s) => cnpg(s) || s.restore.from.s3 === undefined || s.restore.from.s3.region === 'us-east-1',
  },
  {
    // Same place: no other Storefront named (so the same server name, <name>-postgres) and either
    // no restore.from.s3 (the own bucket) or one with the destination's endpoint, bucket and prefix
    // (an unset prefix on both sides is the same default; one written out equal to the default on
    // one side only is not caught here: the rule cannot see metadata.name).
    cel: `${CNPG}!has(self.backup) || !has(self.backup.destination) || !has(${DEST}) || has(self.restore.from.storefront) || has(self.restore.from.claimName) || (has(${FROM}) && !(${sameEndpoint(`${FROM}.endpoint`, `${DEST}.endpoint`)} && ${FROM}.bucket == ${DEST}.bucket && has(${FROM}.prefix) == has(${DEST}.prefix) && (!has(${FROM}.prefix) || ${FROM}.prefix == ${DEST}.prefix)))`,
    message:
      "in database mode cloudnativepg, restore reads this Storefront's backups from where its own backups will be archived (same bucket, prefix and server <name>-postgres): CloudNativePG only archives into an empty WAL archive, so the recovery would never start; give backup.destination.s3 another prefix and read the old one through restore.from.s3",
    fieldPath: '.backup.destination.s3.prefix',
    check: (s) => {
      if (cnpg(s)) return true;
      const dest = s.backup?.destination?.s3;
      const from = s.restore.from;
      if (!dest || from.storefront !== undefined || from.claimName !== undefined) return true;
      if (!from.s3) return false;
      return !(
        trim(from.s3.endpoint) === trim(dest.endpoint) &&
        from.s3.bucket === dest.bucket &&
        from.s3.prefix === dest.prefix
      );
    },
  },
];
