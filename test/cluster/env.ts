import { delimiter } from 'node:path';
import type { ClusterInfo } from './harness.ts';

/**
 * Environment variables that point a process at a cluster: KUBECONFIG (admin), the binaries on
 * PATH (kubectl, helm, ...) and STOREFRONT_CLUSTER_* for tests and scripts.
 */
export function clusterEnv(info: ClusterInfo): Record<string, string> {
  const path = process.env['PATH'] ?? '';
  return {
    KUBECONFIG: info.kubeconfig,
    PATH: path.split(delimiter).includes(info.binDir) ? path : `${info.binDir}${delimiter}${path}`,
    STOREFRONT_CLUSTER_STATE_DIR: info.stateDir,
    STOREFRONT_CLUSTER_KUBECONFIG: info.kubeconfig,
    STOREFRONT_CLUSTER_API_SERVER: info.apiServerUrl,
    STOREFRONT_CLUSTER_BIN_DIR: info.binDir,
    STOREFRONT_CLUSTER_KUBECTL: info.kubectl,
    STOREFRONT_CLUSTER_HELM: info.helm,
    STOREFRONT_CLUSTER_AUDIT_LOG: info.auditLogPath,
    STOREFRONT_CLUSTER_CA: info.caCert,
  };
}
