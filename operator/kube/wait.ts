// Waiting for an object to reach a state (a rollout to finish, a CRD to be served), by polling
// with a deadline. Used by the deployer CLI (`--wait`) and tests; the operator uses informers.

import { type Clock, realClock, sleep } from '../core/clock.ts';
import type { KubeObject, ObjectRef } from '../core/object.ts';
import type { KubeClient } from './client.ts';

export interface WaitOptions {
  /** @default 300_000 */
  timeoutMs?: number;
  /** @default 1_000 */
  intervalMs?: number;
  signal?: AbortSignal;
  /** @default realClock */
  clock?: Clock;
}

/**
 * Polls `ref` until `ready(obj)` returns true (obj undefined while it does not exist) and
 * resolves with the last object read. Throws after `timeoutMs` with `what` and the last reason.
 */
export async function waitForObject<T extends KubeObject = KubeObject>(
  client: KubeClient,
  ref: ObjectRef,
  ready: (obj: T | undefined) => boolean | string,
  what: string,
  options: WaitOptions = {},
): Promise<T | undefined> {
  const clock = options.clock ?? realClock;
  const deadline = clock.now() + (options.timeoutMs ?? 300_000);
  let last = '';
  for (;;) {
    options.signal?.throwIfAborted();
    let obj: T | undefined;
    try {
      obj = await client.tryGet<T>(ref);
      const verdict = ready(obj);
      if (verdict === true) return obj;
      last = typeof verdict === 'string' ? verdict : '';
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (clock.now() >= deadline) {
      throw new Error(
        `timed out waiting for ${what} (${ref.kind} ${ref.namespace ?? ''}/${ref.name})${last ? `: ${last}` : ''}`,
      );
    }
    await sleep(clock, options.intervalMs ?? 1_000);
  }
}

type Workload = KubeObject & {
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    succeeded?: number;
    failed?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
};

/**
 * Whether a Deployment or StatefulSet finished rolling out, or a Job completed — the checks
 * `kubectl rollout status` makes. True, or the reason it is not done yet.
 */
export function rolloutComplete(obj: KubeObject | undefined): true | string {
  if (!obj) return 'not found';
  const w = obj as Workload;
  const s = w.status ?? {};
  const gen = w.metadata.generation ?? 0;
  if (w.kind === 'Job') {
    if (s.conditions?.some((c) => c.type === 'Failed' && c.status === 'True')) return 'job failed';
    return s.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')
      ? true
      : 'job still running';
  }
  if ((s.observedGeneration ?? 0) < gen) return 'controller has not seen the latest spec yet';
  const want = w.spec?.replicas ?? 1;
  if (w.kind === 'Deployment') {
    const progressing = s.conditions?.find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded')
      return `rollout stuck: ${progressing.message ?? ''}`;
    if ((s.updatedReplicas ?? 0) < want) return `${s.updatedReplicas ?? 0}/${want} replicas updated`;
    if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return 'old replicas still terminating';
    if ((s.availableReplicas ?? 0) < want) return `${s.availableReplicas ?? 0}/${want} replicas available`;
    return true;
  }
  if (w.kind === 'StatefulSet') {
    if ((s.readyReplicas ?? 0) < want) return `${s.readyReplicas ?? 0}/${want} replicas ready`;
    if (s.updateRevision && s.currentRevision !== s.updateRevision)
      return 'pods not all on the latest revision';
    return true;
  }
  return true;
}
