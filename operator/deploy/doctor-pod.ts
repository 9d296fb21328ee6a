// Why a Storefront pod is not serving, as `storefront doctor NAME` reports it. Init containers come
// first: a pod whose init container cannot start (the s3 backup's shop-image `bucket-check`, an image
// that cannot be pulled) shows its main containers only as "PodInitializing", which says nothing;
// the init container's own reason is the one to report.
import type { KubeObject } from '../core/object.ts';

interface ContainerStatus {
  name: string;
  ready?: boolean;
  state?: { waiting?: { reason?: string; message?: string } };
}

export type Pod = KubeObject & {
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
  };
};

/** Waiting for the init containers to finish: not a trouble of its own. */
const INITIALIZING = 'PodInitializing';

/** Why a pod is not serving, or undefined when nothing is wrong with it (yet). */
export function podTrouble(p: Pod): string | undefined {
  const waiting = [
    ...(p.status?.initContainerStatuses ?? []).map((c) => ({ ...c, name: `init container ${c.name}` })),
    ...(p.status?.containerStatuses ?? []),
  ]
    .filter((c) => c.state?.waiting && c.state.waiting.reason !== INITIALIZING)
    .map(
      (c) =>
        `${c.name} ${c.state!.waiting!.reason ?? 'Waiting'}${c.state!.waiting!.message ? `: ${c.state!.waiting!.message}` : ''}`,
    );
  if (waiting.length) return waiting.join('; ');
  const unscheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  if (unscheduled) return `not scheduled: ${unscheduled.reason ?? ''} ${unscheduled.message ?? ''}`.trim();
  if (p.status?.phase === 'Failed') return 'Failed';
  return undefined;
}
