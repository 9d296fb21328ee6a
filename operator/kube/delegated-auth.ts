// Authentication only client-node implements — exec and auth-provider plugins (EKS, GKE, OIDC),
// basic auth — and proxies. Imported on demand by transport.ts for such a kubeconfig only, so a
// process that authenticates with a certificate or a token never loads client-node.

import type { Agent } from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeConnection } from './config.ts';
import { mergeKubeconfigs } from './kubeconfig-files.ts';

export interface DelegatedAuth {
  /** The agent client-node builds (TLS material, proxy); one per process. */
  agent: Agent;
  /** Headers for the next request (plugin tokens expire and are renewed here). */
  headers(): Promise<Record<string, string>>;
}

export async function delegatedAuth(
  delegate: NonNullable<KubeConnection['delegate']>,
): Promise<DelegatedAuth> {
  const kc = new KubeConfig();
  if ('inCluster' in delegate) kc.loadFromCluster();
  else {
    const parts = delegate.files.map((file) => {
      const one = new KubeConfig();
      one.loadFromFile(file);
      return one;
    });
    kc.loadFromOptions(mergeKubeconfigs(parts));
    kc.setCurrentContext(delegate.context);
  }
  const options = async () => {
    const opts: { headers?: Record<string, string>; agent?: Agent; auth?: string } = {};
    await kc.applyToHTTPSOptions(opts);
    return opts;
  };
  const first = await options();
  return {
    agent: first.agent!,
    headers: async () => {
      const { headers = {}, auth } = await options();
      return auth ? { ...headers, Authorization: `Basic ${Buffer.from(auth).toString('base64')}` } : headers;
    },
  };
}
