// Where the connection comes from: an explicit kubeconfig file, the Pod's service account, or
// the usual defaults (KUBECONFIG, ~/.kube/config, then in-cluster).

import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConnectOptions {
  /** Path of a kubeconfig file. @default KUBECONFIG, ~/.kube/config, or in-cluster */
  kubeconfig?: string;
  /** Context to use from the kubeconfig. @default its current-context */
  context?: string;
  /** Use the Pod's service account even if a kubeconfig is around. @default false */
  inCluster?: boolean;
}

export function loadKubeConfig(options: KubeConnectOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.inCluster) kc.loadFromCluster();
  else if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new Error(`kubeconfig has no context named "${options.context}"`);
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new Error(
      'no Kubernetes cluster configured: pass --kubeconfig, set KUBECONFIG, or run in a Pod with a service account',
    );
  }
  return kc;
}
