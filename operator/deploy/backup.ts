// `storefront backup create NAME`: one backup now, as the schedule would run it. A Job is made from
// the backup CronJob's own template (as `kubectl create job --from=cronjob/…` does), owned by the
// CronJob so its history limits prune it like a scheduled one, and labelled as a backup so the
// operator's BackupReady and status.backups count it. Waits for it and prints the result: the
// pod's termination message (`backup <name> complete: <bytes> bytes, …`, written by backup.sh),
// read from the pod status, so no exec or log access is needed.
//
// `storefront backup list NAME`: the same way, a short Job (render/backup-list.ts) reads the
// manifests on the backups volume and reports them in its termination message; the Job is deleted
// once read.
import { sleep } from '../core/clock.ts';
import { type KubeObject, trueCondition } from '../core/object.ts';
import { backupListJob, backupsClaimOf, type CronJobObject } from '../render/backup-list.ts';
import { backupCronJobName } from '../render/names.ts';
import { type PodMessageStatus, podMessage } from '../status/failure-cause.ts';
import { type BackupListing, parseListing } from './backup-listing.ts';
import type { DeployContext } from './context.ts';
import { DeployError, EXIT } from './errors.ts';

type Job = KubeObject & {
  spec?: unknown;
  status?: {
    succeeded?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};
type CronJob = CronJobObject & {
  spec: {
    jobTemplate: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    };
  };
};

export interface BackupResult {
  job: string;
  succeeded: boolean;
  /** What backup.sh reported (the pod's termination message), when the pod has one. */
  message: string;
}

/** The Storefront's backup CronJob, or an error saying what to set. */
async function backupCronJob(ctx: DeployContext, name: string): Promise<CronJob> {
  const cronName = backupCronJobName(name);
  const cron = await ctx.client.tryGet<CronJob>({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    namespace: ctx.namespace,
    name: cronName,
  });
  if (!cron)
    throw new DeployError(
      `Storefront ${ctx.namespace}/${name} has no backup CronJob ${cronName}: set spec.database.backup (managed database) and apply it first; in database mode cloudnativepg backups are CloudNativePG's (ScheduledBackup ${cronName}; kubectl cnpg backup for one now)`,
    );
  return cron;
}

/** A Job name unique to the second, from the CronJob's: `<cron>-<what>-<base36 seconds>`. */
async function jobName(ctx: DeployContext, cronName: string, what: string): Promise<string> {
  const started = await ctx.client.serverTime();
  return `${cronName}-${what}-${Math.floor(started / 1000).toString(36)}`;
}

export async function runBackupCreate(
  ctx: DeployContext,
  name: string,
  options: { timeoutMs: number },
): Promise<BackupResult> {
  const { client, namespace } = ctx;
  const cron = await backupCronJob(ctx, name);
  const cronName = backupCronJobName(name);
  const job = await jobName(ctx, cronName, 'manual');
  const template = cron.spec.jobTemplate;
  await client.create<Job>(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: job,
        namespace,
        labels: template.metadata?.labels ?? {},
        annotations: {
          ...(template.metadata?.annotations ?? {}),
          'cronjob.kubernetes.io/instantiate': 'manual',
        },
        ownerReferences: [
          {
            apiVersion: 'batch/v1',
            kind: 'CronJob',
            name: cronName,
            uid: cron.metadata.uid!,
            controller: true,
          },
        ],
      },
      spec: template.spec,
    } as KubeObject,
    { fieldManager: 'storefront' },
  );
  ctx.err(`backup Job ${namespace}/${job} created from CronJob ${cronName}; waiting for it`);
  const { failed, message } = await waitForJob(ctx, job, 'backup', options.timeoutMs);
  if (failed)
    throw new DeployError(
      `backup Job ${namespace}/${job} failed: ${failed}${message ? `: ${message}` : ''}; see kubectl logs --all-containers -n ${namespace} job/${job}`,
    );
  return { job, succeeded: true, message };
}

export async function runBackupList(
  ctx: DeployContext,
  name: string,
  options: { timeoutMs: number },
): Promise<BackupListing & { job: string; claim: string }> {
  const { client, namespace } = ctx;
  const cron = await backupCronJob(ctx, name);
  const job = await jobName(ctx, backupCronJobName(name), 'list');
  const object = backupListJob({ ...cron, metadata: { ...cron.metadata, namespace } }, job);
  const claim = backupsClaimOf(cron) ?? '';
  const env = (k: string) =>
    cron.spec.jobTemplate.spec.template.spec?.containers?.[0]?.env?.find((e) => e.name === k)?.value;
  const reads = claim
    ? `PersistentVolumeClaim ${claim} read-only`
    : `s3://${env('S3_BUCKET')}/${env('S3_PREFIX')} at ${env('S3_ENDPOINT')}`;
  await client.create<Job>(object, { fieldManager: 'storefront' });
  ctx.err(`listing Job ${namespace}/${job} created (reads ${reads}); waiting for it`);
  let outcome: { failed?: string; message: string };
  try {
    outcome = await waitForJob(ctx, job, 'listing', options.timeoutMs);
  } finally {
    await removeJob(ctx, job);
  }
  const where = `listing Job ${namespace}/${job}`;
  if (outcome.failed)
    throw new DeployError(
      `${where} failed: ${outcome.failed}${outcome.message ? `: ${outcome.message}` : ''}`,
    );
  try {
    return { job, claim, ...parseListing(outcome.message, await client.serverTime(), where) };
  } catch (e) {
    throw new DeployError((e as Error).message);
  }
}

/** The listing Job is read once: removed with its pod (the TTL would do it in 10 minutes). */
async function removeJob(ctx: DeployContext, job: string): Promise<void> {
  await ctx.client
    .delete({ apiVersion: 'batch/v1', kind: 'Job', namespace: ctx.namespace, name: job })
    .catch((e) =>
      ctx.err(
        `could not delete listing Job ${ctx.namespace}/${job} (its TTL removes it): ${(e as Error).message}`,
      ),
    );
}

/** Waits for a Job to finish: its Failed reason (undefined when it succeeded) and the pod's message. */
export async function waitForJob(
  ctx: DeployContext,
  name: string,
  what: string,
  timeoutMs: number,
): Promise<{ failed?: string; message: string }> {
  const { client, namespace } = ctx;
  const deadline = ctx.clock.now() + timeoutMs;
  for (;;) {
    const job = await client.get<Job>({ apiVersion: 'batch/v1', kind: 'Job', namespace, name });
    const failed = trueCondition(job.status?.conditions, 'Failed');
    const complete =
      (job.status?.succeeded ?? 0) >= 1 || trueCondition(job.status?.conditions, 'Complete') !== undefined;
    if (failed || complete) {
      const message = await terminationMessage(ctx, name);
      return failed
        ? { failed: `${failed.reason ?? 'Failed'}${failed.message ? ` (${failed.message})` : ''}`, message }
        : { message };
    }
    if (ctx.clock.now() >= deadline)
      throw new DeployError(
        `timed out waiting for ${what} Job ${namespace}/${name}${what === 'backup' ? ` (it keeps running; see kubectl get job -n ${namespace} ${name})` : ''}`,
        EXIT.timeout,
      );
    await sleep(ctx.clock, Math.min(1000, Math.max(0, deadline - ctx.clock.now())));
  }
}

/** The newest pod's termination message (the scripts write their result there), or ''. */
async function terminationMessage(ctx: DeployContext, jobName: string): Promise<string> {
  const pods = await ctx.client.list<KubeObject & { status?: PodMessageStatus }>({
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: ctx.namespace,
    labelSelector: `job-name=${jobName}`,
  });
  const sorted = [...pods.items].sort((a, b) =>
    (a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? 1 : -1,
  );
  for (const pod of sorted) {
    const message = podMessage(pod.status);
    if (message) return message;
  }
  return '';
}
