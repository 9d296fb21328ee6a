// Who is changing a release: the kubeconfig user and context, this machine, this process and the
// CLI version. Recorded in every revision and in the lock, so a CI log reader can find the job.
import { hostname } from 'node:os';
import pkg from '../../package.json' with { type: 'json' };
import type { KubeClient } from '../kube/client.ts';
import type { AppliedBy } from './release.ts';

export const CLI_VERSION: string = pkg.version;

export function appliedBy(client: KubeClient): AppliedBy {
  const c = client.transport.connection;
  return {
    user: c.user || 'unknown',
    context: c.context || 'none',
    host: hostname(),
    pid: process.pid,
    cliVersion: CLI_VERSION,
  };
}

/** One line naming the holder of a lock: `alice@ci-runner-7 (pid 4242, context prod, storefront 0.1.0)`. */
export function holderOf(by: AppliedBy): string {
  return `${by.user}@${by.host} (pid ${by.pid}, context ${by.context}, storefront ${by.cliVersion})`;
}

/** The namespace of the kubeconfig's current context, if it names one. */
export function contextNamespace(client: KubeClient): string | undefined {
  return client.transport.connection.namespace || undefined;
}
