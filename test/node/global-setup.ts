// vitest globalSetup for the `node` project: a control plane with a real node (containers,
// kube-proxy, NetworkPolicy firewall, CoreDNS) in its own state directory, shared by the run's
// real-node tests; stopped at the end like the `cluster` project's (the last one out, if a test
// run started it), and the stop removes everything the node made.
import type { TestProject } from 'vitest/node';
import { setupCluster, testStateDir } from '../cluster/global-setup.ts';

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupCluster(project, { stateDir: testStateDir('-node'), realNode: true });
}
