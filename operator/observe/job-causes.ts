// Why a failed backup or restore Job failed, in its pod's words. The Job's own condition only says
// BackoffLimitExceeded; the cause ("checksum mismatch", "No space left on device") is the
// termination message of the container that failed (with s3 possibly an init container: the
// bucket check, the dump, the download), which the scripts write (and the kubelet fills from the
// log tail when they could not). Read with one labelled LIST of the Job's pods, only for Jobs
// that failed, and remembered per Job uid: a failed Job is final, so a resync asks nothing again.
import { trueCondition } from '../core/object.ts';
import type { KubeClient } from '../kube/client.ts';
import type { ObservedChild } from '../status/conditions.ts';
import { failureCause, type PodMessageStatus, podMessage } from '../status/failure-cause.ts';

type Pod = { metadata: { creationTimestamp?: string }; status?: PodMessageStatus };

const MEMO_SIZE = 1000;
const memo = new Map<string, string>();

const isFailed = (job: ObservedChild) => trueCondition(job.status?.conditions, 'Failed') !== undefined;

/** Job name -> cause, for the failed Jobs among `jobs` whose pods left a message. */
export async function failedJobCauses(
  client: KubeClient,
  namespace: string,
  jobs: ObservedChild[],
): Promise<Map<string, string>> {
  const causes = new Map<string, string>();
  for (const job of jobs.filter(isFailed)) {
    const key = job.metadata.uid ? `${namespace}/${job.metadata.uid}` : undefined;
    const known = key ? memo.get(key) : undefined;
    if (known !== undefined) {
      if (known) causes.set(job.metadata.name, known);
      continue;
    }
    let cause = '';
    try {
      const pods = await client.list<Pod & { apiVersion: string; kind: string; metadata: { name: string } }>({
        apiVersion: 'v1',
        kind: 'Pod',
        namespace,
        labelSelector: `job-name=${job.metadata.name}`,
      });
      const newest = [...pods.items].sort((a, b) =>
        (a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? 1 : -1,
      );
      for (const pod of newest) {
        const message = podMessage(pod.status);
        if (message) {
          cause = failureCause(message);
          break;
        }
      }
    } catch {
      // No cause is not an error: the condition still names the Job and its reason.
      continue;
    }
    if (key) {
      if (memo.size >= MEMO_SIZE) memo.delete(memo.keys().next().value!);
      memo.set(key, cause);
    }
    if (cause) causes.set(job.metadata.name, cause);
  }
  return causes;
}
