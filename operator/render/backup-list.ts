// The Job `storefront backup list` runs to read the backups volume: built (pure) from the live
// backup CronJob, so it lands where backups run (the same image, placement and pod security, the
// same ReadWriteOnce volume) without needing the Storefront's spec. It differs from a backup in
// what it may touch: the volume read-only, no database password, no network (its labels are not
// the backup pods', so only the Storefront's default-deny and DNS policies select it), and a
// component of its own so BackupReady and status.backups never count it as a backup. With
// destination s3 it has no volume but the bucket's env and key pair (secretKeyRef), runs the
// upload container's image (the shop image, which has curl; the backup pod's init containers are
// left out), and reaches only the bucket's egress CIDRs (NetworkPolicy <name>-backup-list,
// render/network-policies.ts).
import type { KubeObject } from '../core/object.ts';
import { BACKUP_ROOT } from './backup.ts';
import { LIST_SCRIPT } from './backup-scripts.ts';
import type * as k8s from './k8s.ts';
import { WORKLOADS } from './names.ts';

export type CronJobObject = KubeObject & {
  spec: {
    jobTemplate: {
      metadata?: { labels?: Record<string, string> };
      spec: { template: k8s.PodTemplateSpec };
    };
  };
};

/** The listing Job's container name (the CLI reads its termination message). */
export const LIST_CONTAINER = 'backup-list';
/** A listing reads a directory: it may take a while to be scheduled, never long to run. */
const ACTIVE_DEADLINE_SECONDS = 300;
/** Removed by the CLI once read; if the CLI dies first, the TTL controller removes it. */
const TTL_SECONDS = 600;

/** The backups volume's claim the CronJob's pods mount (undefined: not a Storefront backup CronJob). */
export const backupsClaimOf = (cron: CronJobObject): string | undefined =>
  cron.spec.jobTemplate.spec.template.spec?.volumes?.find((v) => v.name === 'backups')?.persistentVolumeClaim
    ?.claimName;

export function backupListJob(cron: CronJobObject, jobName: string): KubeObject {
  const template = cron.spec.jobTemplate.spec.template;
  // Without the backup pod's init containers (with s3: the bucket check and the dump).
  const { initContainers: _, ...spec } = template.spec ?? { containers: [] };
  // With a volume, the one container (Postgres' image); with s3, the upload container (the shop
  // image: curl, the bucket's settings and key pair).
  const source = spec.containers?.[0];
  const claim = backupsClaimOf(cron);
  // destination s3: the bucket's settings and key pair (secretKeyRef) as the backup pod has them.
  const s3Env = (source?.env ?? []).filter((e) => /^(S3_|AWS_)/.test(e.name));
  const s3 = s3Env.some((e) => e.name === 'S3_ENDPOINT');
  // The backup pod's bounded /tmp (the root filesystem is read-only; sort may spill there).
  const tmp = spec?.volumes?.find((v) => v.name === 'tmp' && v.emptyDir);
  if (!source || (!claim && !s3))
    throw new Error(
      `CronJob ${cron.metadata.namespace}/${cron.metadata.name} has no backup container or backups volume: it was not rendered by Storefront (re-apply the Storefront)`,
    );
  const w = WORKLOADS.backupList;
  const labels = {
    ...(template.metadata?.labels ?? {}),
    'app.kubernetes.io/component': w.component,
    'app.kubernetes.io/name': w.name,
  };
  const pod: k8s.PodTemplateSpec = {
    metadata: { labels },
    spec: {
      // Placement, pod security context, service account settings: the backup pod's.
      ...spec,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      containers: [
        {
          name: LIST_CONTAINER,
          image: source.image,
          imagePullPolicy: source.imagePullPolicy,
          command: ['sh', '-c', LIST_SCRIPT],
          env: [{ name: 'BACKUP_ROOT', value: BACKUP_ROOT }, ...(claim ? [] : s3Env)],
          resources: source.resources,
          securityContext: source.securityContext,
          terminationMessagePolicy: 'File',
          volumeMounts: [
            ...(claim ? [{ name: 'backups', mountPath: BACKUP_ROOT, readOnly: true }] : []),
            ...(tmp ? [{ name: 'tmp', mountPath: '/tmp' }] : []),
          ],
        },
      ],
      volumes: [
        ...(claim ? [{ name: 'backups', persistentVolumeClaim: { claimName: claim, readOnly: true } }] : []),
        ...(tmp ? [tmp] : []),
      ],
    },
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName,
      namespace: cron.metadata.namespace,
      labels,
      // Deleted with the CronJob (so with the Storefront), but not its controller: the CronJob
      // controller would take it for one of its runs (concurrencyPolicy Forbid, history).
      ownerReferences: [
        { apiVersion: 'batch/v1', kind: 'CronJob', name: cron.metadata.name, uid: cron.metadata.uid! },
      ],
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: ACTIVE_DEADLINE_SECONDS,
      ttlSecondsAfterFinished: TTL_SECONDS,
      template: pod,
    },
  } as KubeObject;
}
