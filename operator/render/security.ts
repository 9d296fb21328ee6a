// Pod Security `restricted`, by construction: every pod and container the renderer emits goes
// through these two helpers, and a unit test walks every pod template to check each rule.
import type * as k8s from './k8s.ts';

export function podSecurityContext(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function containerSecurityContext(uid: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** A writable scratch directory for a read-only root filesystem. */
export function scratchVolume(name: string, sizeLimit: string, medium?: 'Memory'): k8s.Volume {
  return { name, emptyDir: { sizeLimit: sizeLimit, ...(medium ? { medium } : {}) } };
}

/**
 * Ephemeral storage a container may use: its logs plus its disk-backed scratch volumes (the root
 * filesystem is read-only). The limit is the sum of the scratch sizeLimits plus room for logs, so
 * a runaway writer is evicted instead of filling the node's disk.
 */
export interface EphemeralStorage {
  request: string;
  limit: string;
}

export function resources(
  r: { requests: { cpu: string; memory: string }; limits: { cpu: string; memory: string } },
  ephemeral: EphemeralStorage,
): k8s.ResourceRequirements {
  return {
    requests: {
      cpu: r.requests.cpu,
      memory: r.requests.memory,
      'ephemeral-storage': ephemeral.request,
    },
    limits: { cpu: r.limits.cpu, memory: r.limits.memory, 'ephemeral-storage': ephemeral.limit },
  };
}
