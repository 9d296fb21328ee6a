// What tests in the `cluster` project import to reach the control plane that
// test/cluster/global-setup.ts brought up for this run.
import { inject } from 'vitest';
import type { ClusterInfo } from './harness.ts';

/** What the global setup provides: the cluster's identity and tools, as `ensureCluster` describes them. */
export type TestCluster = Pick<
  ClusterInfo,
  | 'stateDir'
  | 'kubeconfig'
  | 'apiServerUrl'
  | 'binDir'
  | 'kubectl'
  | 'helm'
  | 'auditLogPath'
  | 'caCert'
  | 'storageClass'
>;

declare module 'vitest' {
  export interface ProvidedContext {
    storefrontCluster: TestCluster;
  }
}

/** The run's cluster; fails loudly outside the `cluster` project (no globalSetup ran). */
export function testCluster(): TestCluster {
  const cluster = inject('storefrontCluster');
  if (!cluster?.kubeconfig) {
    throw new Error(
      'no test cluster: run this file in the vitest `cluster` project (test/cluster/global-setup.ts)',
    );
  }
  // Worker processes normally inherit these from the global setup; make sure either way.
  process.env['KUBECONFIG'] = cluster.kubeconfig;
  process.env['STOREFRONT_CLUSTER_STATE_DIR'] = cluster.stateDir;
  process.env['STOREFRONT_CLUSTER_AUDIT_LOG'] = cluster.auditLogPath;
  return cluster;
}
