// Where the connection comes from, read as kubectl reads it: --kubeconfig, else every file of the
// KUBECONFIG list merged (first wins, missing files skipped), else ~/.kube/config, else the Pod's
// service account. Never client-node's silent fallback to http://localhost:8080.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { kubeconfigCandidates, mergeKubeconfigs } from './kubeconfig-files.ts';

export interface KubeConnectOptions {
  /** Path of a kubeconfig file. @default the KUBECONFIG list, ~/.kube/config, or in-cluster */
  kubeconfig?: string;
  /** Context to use from the kubeconfig. @default its current-context */
  context?: string;
  /** Use the Pod's service account even if a kubeconfig is around. @default false */
  inCluster?: boolean;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export class NoClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoClusterError';
  }
}

function readFile(file: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new NoClusterError(`cannot read kubeconfig ${file}: ${(e as Error).message}`);
  }
  return kc;
}

function fromDefaults(): KubeConfig {
  const candidates = kubeconfigCandidates(process.env, homedir());
  const present = candidates.filter((f) => existsSync(f));
  const kc = new KubeConfig();
  if (present.length) {
    kc.loadFromOptions(mergeKubeconfigs(present.map(readFile)));
    return kc;
  }
  if (process.env['KUBERNETES_SERVICE_HOST'] && existsSync(SERVICE_ACCOUNT_TOKEN)) {
    kc.loadFromCluster();
    return kc;
  }
  throw new NoClusterError(
    `no Kubernetes cluster configured: ${candidates.join(', ')} ${candidates.length > 1 ? 'do' : 'does'} not exist and this is not a Pod with a service account; pass --kubeconfig FILE or set KUBECONFIG`,
  );
}

export function loadKubeConfig(options: KubeConnectOptions = {}): KubeConfig {
  let kc: KubeConfig;
  if (options.inCluster) {
    kc = new KubeConfig();
    kc.loadFromCluster();
  } else if (options.kubeconfig) {
    if (!existsSync(options.kubeconfig))
      throw new NoClusterError(`kubeconfig ${options.kubeconfig} does not exist (from --kubeconfig)`);
    kc = readFile(options.kubeconfig);
  } else {
    kc = fromDefaults();
  }
  const contexts = kc.getContexts().map((c) => c.name);
  if (options.context) {
    if (!kc.getContextObject(options.context)) {
      throw new NoClusterError(
        `kubeconfig has no context named "${options.context}" (it has: ${contexts.join(', ') || 'none'})`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentContext() || !kc.getContextObject(kc.getCurrentContext())) {
    throw new NoClusterError(
      contexts.length
        ? `kubeconfig sets no usable current-context${kc.getCurrentContext() ? ` ("${kc.getCurrentContext()}" is not defined)` : ''}; pass --context (one of: ${contexts.join(', ')})`
        : 'no Kubernetes cluster configured: the kubeconfig defines no context; pass --kubeconfig FILE or set KUBECONFIG',
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new NoClusterError(
      `context "${kc.getCurrentContext()}" names cluster "${kc.getContextObject(kc.getCurrentContext())?.cluster}", which the kubeconfig does not define`,
    );
  }
  return kc;
}
