// What every deployer command works with: the client, the release store, the namespace, who is
// acting, and where messages go (stdout for results, stderr for progress and notices).
import type { Clock } from '../core/clock.ts';
import { createKubeClient, type KubeClient } from '../kube/client.ts';
import { appliedBy, contextNamespace, holderOf } from './identity.ts';
import { DEFAULT_HEARTBEAT_MS, type LockOptions } from './lock.ts';
import type { AppliedBy } from './release.ts';
import { ReleaseStore } from './release-store.ts';

export interface DeployContext {
  client: KubeClient;
  store: ReleaseStore;
  /** From -n, else the kubeconfig context's, else `default` (a spec's own namespace wins over the last two). */
  namespace: string;
  namespaceFromFlag: boolean;
  by: AppliedBy;
  /** The time revisions, locks and waits read (the client's clock). */
  clock: Clock;
  heartbeatMs: number;
  out: (line: string) => void;
  err: (line: string) => void;
  progress: { write: (text: string) => void; tty: boolean };
}

export interface ConnectOptions {
  kubeconfig?: string;
  /** kubeconfig context (kubectl's --context). */
  context?: string;
  namespace?: string;
}

/** `STOREFRONT_LOCK_HEARTBEAT_MS` tunes the lock heartbeat (tests shorten it). */
function heartbeatMs(): number {
  const v = Number(process.env['STOREFRONT_LOCK_HEARTBEAT_MS'] ?? '');
  return Number.isFinite(v) && v >= 200 ? v : DEFAULT_HEARTBEAT_MS;
}

export function connect(options: ConnectOptions): DeployContext {
  // --kubeconfig, else the KUBECONFIG list merged / ~/.kube/config / in-cluster, as kubectl reads them.
  const client = createKubeClient({
    ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
    ...(options.context ? { context: options.context } : {}),
    qps: 50,
    burst: 100,
  });
  return {
    client,
    store: new ReleaseStore(client),
    namespace: options.namespace ?? contextNamespace(client) ?? 'default',
    namespaceFromFlag: options.namespace !== undefined,
    by: appliedBy(client),
    clock: client.clock,
    heartbeatMs: heartbeatMs(),
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    progress: { write: (text) => process.stderr.write(text), tty: process.stderr.isTTY === true },
  };
}

export function lockOptions(ctx: DeployContext, deadline?: Date): LockOptions {
  return {
    clock: ctx.clock,
    holder: holderOf(ctx.by),
    heartbeatMs: ctx.heartbeatMs,
    ...(deadline ? { deadline } : {}),
    notice: (m) => ctx.err(`warning: ${m}`),
  };
}
