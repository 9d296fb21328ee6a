// `storefront backup create NAME`: one backup now, as the schedule would run it. A Job is made from
// the backup CronJob's own template (as `kubectl create job --from=cronjob/…` does), owned by the
// CronJob so its history limits prune it like a scheduled one, and labelled as a backup so the
// operator's BackupReady and status.backups count it. Waits for it and prints the result: the
// pod's termination message (`backup <name> complete: <bytes> bytes, …`, written by backup.sh),
// read from the pod status, so no exec or log access is needed.
import { sleep } from '../core/clock.ts';
import type { KubeObject } from '../core/object.ts';
import { backupCronJobName } from '../render/names.ts';
import type { DeployContext } from './context.ts';
import { DeployError, EXIT } from './errors.ts';

type Job = KubeObject & {
  spec?: unknown;
  status?: {
    succeeded?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
};
type CronJob = KubeObject & {
  spec: {
    jobTemplate: {
      metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
      spec: unknown;
    };
  };
};

export interface BackupResult {
  job: string;
  succeeded: boolean;
  /** What backup.sh reported (the pod's termination message), when the pod has one. */
  message: string;
}

export async function runBackupCreate(
  ctx: DeployContext,
  name: string,
  options: { timeoutMs: number },
): Promise<BackupResult> {
  const { client, namespace } = ctx;
  const cronName = backupCronJobName(name);
  const cron = await client.tryGet<CronJob>({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    namespace,
    name: cronName,
  });
  if (!cron)
    throw new DeployError(
      `Storefront ${namespace}/${name} has no backup CronJob ${cronName}: set spec.database.backup (managed database) and apply it first`,
    );
  const started = await client.serverTime();
  const jobName = `${cronName}-manual-${Math.floor(started / 1000).toString(36)}`;
  const template = cron.spec.jobTemplate;
  await client.create<Job>(
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: jobName,
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
  ctx.err(`backup Job ${namespace}/${jobName} created from CronJob ${cronName}; waiting for it`);
  const deadline = ctx.clock.now() + options.timeoutMs;
  for (;;) {
    const job = await client.get<Job>({ apiVersion: 'batch/v1', kind: 'Job', namespace, name: jobName });
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    const complete =
      (job.status?.succeeded ?? 0) >= 1 ||
      job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True');
    if (failed || complete) {
      const message = await terminationMessage(ctx, jobName);
      if (failed)
        throw new DeployError(
          `backup Job ${namespace}/${jobName} failed: ${failed.reason ?? 'Failed'}${failed.message ? ` (${failed.message})` : ''}${message ? `: ${message}` : ''}; see kubectl logs -n ${namespace} job/${jobName}`,
        );
      return { job: jobName, succeeded: true, message };
    }
    if (ctx.clock.now() >= deadline)
      throw new DeployError(
        `timed out waiting for backup Job ${namespace}/${jobName} (it keeps running; see kubectl get job -n ${namespace} ${jobName})`,
        EXIT.timeout,
      );
    await sleep(ctx.clock, Math.min(1000, Math.max(0, deadline - ctx.clock.now())));
  }
}

/** The newest pod's termination message (backup.sh writes its result there), or ''. */
async function terminationMessage(ctx: DeployContext, jobName: string): Promise<string> {
  const pods = await ctx.client.list<
    KubeObject & { status?: { containerStatuses?: { state?: { terminated?: { message?: string } } }[] } }
  >({ apiVersion: 'v1', kind: 'Pod', namespace: ctx.namespace, labelSelector: `job-name=${jobName}` });
  const sorted = [...pods.items].sort((a, b) =>
    (a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? 1 : -1,
  );
  for (const pod of sorted) {
    const message = pod.status?.containerStatuses?.[0]?.state?.terminated?.message?.trim();
    if (message) return message;
  }
  return '';
}
