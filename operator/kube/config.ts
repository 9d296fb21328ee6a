// Where the connection comes from, read as kubectl reads it: --kubeconfig, else every file of the
// KUBECONFIG list merged (first wins, missing files skipped), else ~/.kube/config, else the Pod's
// service account. Never client-node's silent fallback to http://localhost:8080.
//
// Read here with `yaml` rather than client-node's KubeConfig: loading client-node costs a process
// 60-90 MiB of memory (its generated API classes come with it), which an operator that only needs
// a server URL, TLS material and a token should not carry. What only client-node implements — exec
// and auth-provider plugins, basic auth, proxies — is handed to it (delegated-auth.ts), loaded
// only for such a kubeconfig.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { kubeconfigCandidates, mergeKubeconfigs } from './kubeconfig-files.ts';

export interface KubeConnectOptions {
  /** Path of a kubeconfig file. @default the KUBECONFIG list, ~/.kube/config, or in-cluster */
  kubeconfig?: string;
  /** Context to use from the kubeconfig. @default its current-context */
  context?: string;
  /** Use the Pod's service account even if a kubeconfig is around. @default false */
  inCluster?: boolean;
}

/** Everything a request needs: where, with which TLS material, as whom. */
export interface KubeConnection {
  server: string;
  /** Names from the kubeconfig (`in-cluster` for a Pod's service account). */
  context: string;
  user: string;
  /** The context's namespace, if it names one. */
  namespace?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
  tlsServerName?: string;
  token?: string;
  /** Read again as it rotates (service-account tokens do). */
  tokenFile?: string;
  /**
   * Set when the user authenticates in a way only client-node implements (exec or auth-provider
   * plugins, basic auth) or the cluster needs a proxy: the kubeconfig files and context to load
   * it with.
   */
  delegate?: { files: string[]; context: string } | { inCluster: true };
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class NoClusterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoClusterError';
  }
}

type Entry<K extends string> = { name: string } & { [key in K]?: Record<string, unknown> };
interface KubeconfigFile {
  clusters: Entry<'cluster'>[];
  users: Entry<'user'>[];
  contexts: Entry<'context'>[];
  currentContext: string;
}

/** A file's entries, with relative paths made absolute against its directory (as kubectl does). */
function readFile(file: string): KubeconfigFile {
  let doc: Record<string, unknown>;
  try {
    doc = (parse(readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error('not a YAML mapping');
  } catch (e) {
    throw new NoClusterError(`cannot read kubeconfig ${file}: ${(e as Error).message}`);
  }
  const dir = dirname(file);
  const absolute = (entry: Record<string, unknown> | undefined, keys: string[]) => {
    if (!entry) return entry;
    const out = { ...entry };
    for (const k of keys) {
      const v = out[k];
      if (typeof v === 'string' && v && !isAbsolute(v)) out[k] = join(dir, v);
    }
    return out;
  };
  const list = <K extends string>(key: string, inner: K, paths: string[]): Entry<K>[] =>
    ((doc[key] as Entry<K>[] | null) ?? [])
      .filter((e) => e && typeof e.name === 'string')
      .map((e) => ({ ...e, [inner]: absolute(e[inner], paths) }) as Entry<K>);
  return {
    clusters: list('clusters', 'cluster', ['certificate-authority']),
    users: list('users', 'user', ['client-certificate', 'client-key', 'tokenFile']),
    contexts: list('contexts', 'context', []),
    currentContext: typeof doc['current-context'] === 'string' ? doc['current-context'] : '',
  };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const fileOrData = (file: unknown, data: unknown): Buffer | undefined => {
  if (str(file)) return readFileSync(file as string);
  if (str(data)) return Buffer.from(data as string, 'base64');
  return undefined;
};

function inClusterConnection(): KubeConnection {
  const host = process.env['KUBERNETES_SERVICE_HOST'];
  const port = process.env['KUBERNETES_SERVICE_PORT'] ?? '443';
  if (!host)
    throw new NoClusterError('in-cluster config: KUBERNETES_SERVICE_HOST is not set (not in a Pod?)');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    context: 'in-cluster',
    user: 'in-cluster',
    ca: readFileSync(join(SERVICE_ACCOUNT_DIR, 'ca.crt')),
    insecureSkipTlsVerify: false,
    tokenFile: join(SERVICE_ACCOUNT_DIR, 'token'),
  };
}

function fromFiles(files: string[], contextOption: string | undefined): KubeConnection {
  const kc = mergeKubeconfigs(files.map(readFile));
  const contexts = kc.contexts.map((c) => c.name);
  if (contextOption && !contexts.includes(contextOption)) {
    throw new NoClusterError(
      `kubeconfig has no context named "${contextOption}" (it has: ${contexts.join(', ') || 'none'})`,
    );
  }
  const current = contextOption ?? kc.currentContext;
  const context = kc.contexts.find((c) => c.name === current);
  if (!current || !context) {
    throw new NoClusterError(
      contexts.length
        ? `kubeconfig sets no usable current-context${current ? ` ("${current}" is not defined)` : ''}; pass --context (one of: ${contexts.join(', ')})`
        : 'no Kubernetes cluster configured: the kubeconfig defines no context; pass --kubeconfig FILE or set KUBECONFIG',
    );
  }
  const clusterName = str(context.context?.['cluster']);
  const cluster = kc.clusters.find((c) => c.name === clusterName)?.cluster;
  if (!cluster || !str(cluster['server'])) {
    throw new NoClusterError(
      `context "${current}" names cluster "${clusterName ?? ''}", which the kubeconfig does not define`,
    );
  }
  const userName = str(context.context?.['user']) ?? '';
  const user = kc.users.find((u) => u.name === userName)?.user ?? {};
  const namespace = str(context.context?.['namespace']);
  const tlsServerName = str(cluster['tls-server-name']);
  const token = str(user['token']);
  const tokenFile = str(user['tokenFile']);
  const ca = fileOrData(cluster['certificate-authority'], cluster['certificate-authority-data']);
  const cert = fileOrData(user['client-certificate'], user['client-certificate-data']);
  const key = fileOrData(user['client-key'], user['client-key-data']);
  const delegated = user['exec'] || user['auth-provider'] || user['username'] || cluster['proxy-url'];
  return {
    server: (cluster['server'] as string).replace(/\/+$/, ''),
    context: current,
    user: userName,
    ...(namespace ? { namespace } : {}),
    ...(ca ? { ca } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(token ? { token } : {}),
    ...(tokenFile ? { tokenFile } : {}),
    ...(delegated ? { delegate: { files, context: current } } : {}),
  };
}

export function loadKubeConnection(options: KubeConnectOptions = {}): KubeConnection {
  if (options.inCluster) return inClusterConnection();
  if (options.kubeconfig) {
    if (!existsSync(options.kubeconfig))
      throw new NoClusterError(`kubeconfig ${options.kubeconfig} does not exist (from --kubeconfig)`);
    return fromFiles([options.kubeconfig], options.context);
  }
  const candidates = kubeconfigCandidates(process.env, homedir());
  const present = candidates.filter((f) => existsSync(f));
  if (present.length) return fromFiles(present, options.context);
  if (process.env['KUBERNETES_SERVICE_HOST'] && existsSync(join(SERVICE_ACCOUNT_DIR, 'token')))
    return inClusterConnection();
  throw new NoClusterError(
    `no Kubernetes cluster configured: ${candidates.join(', ')} ${candidates.length > 1 ? 'do' : 'does'} not exist and this is not a Pod with a service account; pass --kubeconfig FILE or set KUBECONFIG`,
  );
}
