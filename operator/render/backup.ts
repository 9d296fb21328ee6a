// Backups and restore of the managed database (spec.database.backup, spec.database.restore):
//   - PersistentVolumeClaim <name>-backups, the backups volume (kept on deletion unless its
//     deletionPolicy says Delete: backups are for when the data is gone), for destination pvc;
//     with destination s3 (or restore.from.s3) the pods get a scratch emptyDir in its place and
//     the bucket's settings and key pair (render/backup-s3.ts);
//   - ConfigMap <name>-backup-scripts, the scripts both run (render/backup-scripts.ts);
//   - CronJob <name>-backup: pg_dump -Fc of every database into <name>-backups/<time>/ with a
//     manifest, then retention; concurrencyPolicy Forbid, bounded history;
//   - Job <name>-restore: restores a backup into the new, empty database before the migration Job
//     and the app exist (render.ts holds those back until it succeeded).
// Both run Postgres' own image (pg_dump/pg_restore of the server's version) as UID/GID 10432 (they
// need no passwd entry: PGUSER is set; files on the backups volume are theirs), log in
// as the bootstrap superuser (to dump every database and restore objects of any owner) with the
// password from the generated Secret, and reach only Postgres, plus the bucket's egress CIDRs
// with s3 (network-policies.ts). With s3 the bucket's side (curl, which the official postgres image
// lacks) runs in separate containers of the same pod in the shop image (spec.app.image), over the
// scratch volume: they alone get the key pair, and the Postgres-image ones alone the password.

import { maxAgeSeconds } from '../api/backup-schema.ts';
import { applyDefaults } from '../api/schema.ts';
import { backupResourcesSchema } from '../api/storefront-schema.ts';
import type { Storefront } from '../api/types.ts';
import {
  backupS3,
  restoreS3,
  type S3Location,
  s3KeyPair,
  s3Settings,
  scratchEphemeral,
  scratchSize,
} from './backup-s3.ts';
import { BACKUP_SCRIPT, RESTORE_SCRIPT, TRANSFER_SCRIPT } from './backup-scripts.ts';
import { POSTGRES_DB, POSTGRES_USER, RETAIN_ANNOTATION } from './credentials.ts';
import * as k8s from './k8s.ts';
import { imageVersion, names, type Workload, workloadLabels, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';
import { podPlacement } from './placement.ts';
import { postgresImage } from './postgres.ts';
import { containerSecurityContext, podSecurityContext, resources, scratchVolume } from './security.ts';

/** Where the backups volume is mounted in the backup and restore pods. */
export const BACKUP_ROOT = '/backups';
const SCRIPTS_DIR = '/scripts';
/** UID/GID of the backup and restore pods: not Postgres' 999, nothing else's, above 10000. */
export const BACKUP_UID = 10432;

type BackupResources = NonNullable<Storefront['spec']['database']['backup']>['resources'];

/** The backup (or, without one, default) resources: the restore Job is sized like a backup. */
function backupResources(sf: Storefront): BackupResources {
  return sf.spec.database.backup?.resources ?? (applyDefaults(backupResourcesSchema, {}) as BackupResources);
}

/** Whether this Storefront renders backup or restore objects at all. */
export function hasBackupOrRestore(sf: Storefront): boolean {
  return sf.spec.database.mode === 'managed' && !!(sf.spec.database.backup || sf.spec.database.restore);
}

/** Where a pod's backups are: a backups volume, or a bucket (staged in a scratch volume). */
type Store = { claimName: string; readOnly: boolean } | { s3: S3Location };

const scriptMounts = (readOnly: boolean): NonNullable<k8s.Container['volumeMounts']> => [
  { name: 'backups', mountPath: BACKUP_ROOT, ...(readOnly ? { readOnly: true } : {}) },
  { name: 'scripts', mountPath: SCRIPTS_DIR, readOnly: true },
  { name: 'tmp', mountPath: '/tmp' },
];

/**
 * /tmp (64Mi) + logs; the dumps go to the volume, not to ephemeral storage (with s3 they do: the
 * scratch volume counts too, and every container of the pod may fill it).
 */
const ephemeral = (sf: Storefront, store: Store) =>
  's3' in store ? scratchEphemeral(sf) : { request: '16Mi', limit: '128Mi' };

/** The container in Postgres' image (pg_dump/pg_restore of the server's version): the superuser, no key pair. */
function postgresContainer(
  sf: Storefront,
  workload: Extract<Workload, 'backup' | 'restore'>,
  env: k8s.EnvVar[],
  store: Store,
): k8s.Container {
  const n = names(sf);
  const readOnly = 'claimName' in store && store.readOnly;
  return {
    name: workload,
    image: postgresImage(sf),
    imagePullPolicy: 'IfNotPresent',
    command: ['sh', `${SCRIPTS_DIR}/${workload}.sh`],
    env: [
      { name: 'PGHOST', value: n.postgres },
      { name: 'PGPORT', value: '5432' },
      { name: 'PGDATABASE', value: POSTGRES_DB },
      { name: 'PGUSER', value: POSTGRES_USER },
      {
        name: 'PGPASSWORD',
        valueFrom: { secretKeyRef: { name: n.postgresCredentials, key: 'password' } },
      },
      { name: 'PGSSLMODE', value: 'disable' },
      { name: 'PGCONNECT_TIMEOUT', value: '10' },
      { name: 'BACKUP_ROOT', value: BACKUP_ROOT },
      ...env,
      // The bucket's name for its messages; never the key pair.
      ...('s3' in store ? s3Settings(sf, store.s3) : []),
    ],
    resources: resources(backupResources(sf), ephemeral(sf, store)),
    securityContext: containerSecurityContext(BACKUP_UID),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: scriptMounts(readOnly),
  };
}

/**
 * A container in the shop image (spec.app.image: ours, so present wherever the Storefront runs,
 * and it carries curl — the official postgres image has none) running `transfer.sh MODE`: the
 * bucket's side of the pod, with the key pair and no database password.
 */
function transferContainer(
  sf: Storefront,
  name: string,
  mode: 'check' | 'upload' | 'download',
  env: k8s.EnvVar[],
  s3: S3Location,
): k8s.Container {
  return {
    name,
    image: sf.spec.app.image,
    imagePullPolicy: sf.spec.app.imagePullPolicy,
    command: ['sh', `${SCRIPTS_DIR}/transfer.sh`, mode],
    env: [{ name: 'BACKUP_ROOT', value: BACKUP_ROOT }, ...env, ...s3Settings(sf, s3), ...s3KeyPair(s3)],
    resources: resources(backupResources(sf), scratchEphemeral(sf)),
    securityContext: containerSecurityContext(BACKUP_UID),
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: scriptMounts(false),
  };
}

/**
 * A backup or restore pod. With a backups volume: one container in Postgres' image. With a bucket
 * the work is split over the scratch volume, in order (init containers first): a backup checks
 * the bucket (shop image), dumps (Postgres' image), then uploads and applies retention (shop
 * image); a restore downloads (shop image), then checks and restores (Postgres' image).
 */
function pod(
  sf: Storefront,
  workload: Extract<Workload, 'backup' | 'restore'>,
  env: { postgres: k8s.EnvVar[]; transfer: k8s.EnvVar[] },
  store: Store,
): k8s.PodTemplateSpec {
  const n = names(sf);
  const readOnly = 'claimName' in store && store.readOnly;
  const main = postgresContainer(sf, workload, env.postgres, store);
  const containers: { initContainers?: k8s.Container[]; containers: k8s.Container[] } = !('s3' in store)
    ? { containers: [main] }
    : workload === 'backup'
      ? {
          initContainers: [transferContainer(sf, 'bucket-check', 'check', [], store.s3), main],
          containers: [transferContainer(sf, 'upload', 'upload', env.transfer, store.s3)],
        }
      : {
          initContainers: [transferContainer(sf, 'download', 'download', env.transfer, store.s3)],
          containers: [main],
        };
  return {
    metadata: { labels: workloadLabels(sf, workload, sf.spec.database.version) },
    spec: {
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext(BACKUP_UID),
      // Next to the database: the same node constraints (and a ReadWriteOnce volume there).
      ...podPlacement(sf, sf.spec.database, workloadSelector(sf, workload)),
      ...containers,
      volumes: [
        's3' in store
          ? scratchVolume('backups', scratchSize(sf))
          : {
              name: 'backups',
              persistentVolumeClaim: { claimName: store.claimName, ...(readOnly ? { readOnly: true } : {}) },
            },
        { name: 'scripts', configMap: { name: n.backupScripts, defaultMode: 0o444 } },
        scratchVolume('tmp', '64Mi'),
      ],
    },
  };
}

export function renderBackup(out: Objects, sf: Storefront): void {
  if (!hasBackupOrRestore(sf)) return;
  const n = names(sf);
  const { backup, restore } = sf.spec.database;

  out.add(k8s.ConfigMap, {
    metadata: { name: n.backupScripts, labels: workloadLabels(sf, 'backup', 'v1') },
    data: { 'backup.sh': BACKUP_SCRIPT, 'restore.sh': RESTORE_SCRIPT, 'transfer.sh': TRANSFER_SCRIPT },
  });

  const pvc = backup?.destination.pvc;
  if (pvc) {
    out.add(k8s.PersistentVolumeClaim, {
      metadata: {
        name: n.backups,
        labels: workloadLabels(sf, 'backup', 'v1'),
        ...(pvc.deletionPolicy === 'Retain' ? { annotations: { [RETAIN_ANNOTATION]: 'true' } } : {}),
      },
      spec: {
        accessModes: ['ReadWriteOnce'],
        ...(pvc.storageClassName ? { storageClassName: pvc.storageClassName } : {}),
        resources: { requests: { storage: pvc.size } },
      },
    });
  }
  if (backup) {
    const s3 = backupS3(sf);
    const retention: k8s.EnvVar[] = [
      { name: 'KEEP_COUNT', value: String(backup.retention.count) },
      {
        name: 'MAX_AGE_SECONDS',
        value: String(backup.retention.maxAge ? maxAgeSeconds(backup.retention.maxAge) : 0),
      },
    ];
    const manifest: k8s.EnvVar[] = [
      { name: 'STOREFRONT', value: sf.metadata.name },
      { name: 'APP_VERSION', value: imageVersion(sf.spec.app.image) },
      { name: 'APP_IMAGE', value: sf.spec.app.image },
    ];
    // Retention is applied where the backups are: by backup.sh on a volume, by the upload in a bucket.
    const template = s3
      ? pod(sf, 'backup', { postgres: manifest, transfer: retention }, { s3 })
      : pod(
          sf,
          'backup',
          { postgres: [...manifest, ...retention], transfer: [] },
          { claimName: n.backups, readOnly: false },
        );
    out.add(k8s.CronJob, {
      metadata: { name: n.backup, labels: template.metadata?.labels },
      spec: {
        schedule: backup.schedule,
        timeZone: backup.timeZone,
        suspend: backup.suspend,
        // One backup at a time: a run that overlaps the next is not doubled up.
        concurrencyPolicy: 'Forbid',
        // A run missed by more than 10 minutes (controller down) is skipped, not caught up in bulk.
        startingDeadlineSeconds: 600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: template.metadata?.labels },
          spec: { backoffLimit: 1, activeDeadlineSeconds: 6 * 3600, template },
        },
      },
    });
  }

  if (restore) {
    const claimName = restore.from.claimName ?? n.backups;
    const s3 = restoreS3(sf);
    const backupName: k8s.EnvVar = { name: 'RESTORE_BACKUP', value: restore.from.backup };
    const template = s3
      ? pod(sf, 'restore', { postgres: [backupName], transfer: [backupName] }, { s3 })
      : pod(
          sf,
          'restore',
          { postgres: [backupName, { name: 'RESTORE_CLAIM', value: claimName }], transfer: [] },
          { claimName, readOnly: true },
        );
    out.add(k8s.Job, {
      metadata: { name: n.restore, labels: template.metadata?.labels },
      // A missing or corrupt backup fails the same way every time: few retries. The script's
      // retries of a Postgres that is not up yet are inside one run.
      spec: { backoffLimit: 2, activeDeadlineSeconds: 6 * 3600, template },
    });
  }
}

/** Whether `o` is held back until the restore succeeded: the migration Job and the app workload. */
export function heldForRestore(sf: Storefront, o: { kind: string; metadata: { name?: string } }): boolean {
  const n = names(sf);
  if (o.kind === 'Job') return o.metadata.name === n.migration;
  // The backup CronJob too: a run before the restore is in would dump the still empty database,
  // count for retention and be what `restore.from.backup: latest` picks (seen on the real node:
  // an 898-byte backup of the new Storefront taken while its restore ran).
  if (o.kind === 'CronJob') return o.metadata.name === n.backup;
  return (
    ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind) &&
    o.metadata.name === n.app
  );
}
