// Small helpers shared by the control-plane tests (real cluster, kubectl from the build).
import { randomBytes } from 'node:crypto';
import { eventually } from '../support/eventually.ts';
import { testCluster } from './context.ts';
import { type KubectlResult, kubectl, runKubectl } from './harness.ts';
import { pollUntil } from './http.ts';

export { pollUntil };

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

export function k(args: string[], opts: { input?: string; kubeconfig?: string } = {}): string {
  return kubectl(testCluster(), args, opts);
}

export function kTry(args: string[], opts: { input?: string; kubeconfig?: string } = {}): KubectlResult {
  return runKubectl(testCluster(), args, opts);
}

export function apply(objects: unknown[], namespace?: string): void {
  const ns = namespace ? ['-n', namespace] : [];
  k(['apply', '--server-side', '--field-manager=cluster-tests', ...ns, '-f', '-'], {
    input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  });
}

export function getJson<T = Record<string, unknown>>(args: string[]): T {
  return JSON.parse(k(['get', ...args, '-o', 'json'])) as T;
}

export function createNamespace(prefix: string, labels: Record<string, string> = {}): string {
  const name = uniqueName(prefix);
  apply([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }]);
  // Pods are refused until the controller-manager has created the namespace's default account.
  k(['wait', '--for=create', 'serviceaccount/default', '-n', name, '--timeout=120s']);
  return name;
}

export function deleteNamespace(name: string): void {
  kTry(['delete', 'namespace', name, '--wait=false', '--ignore-not-found']);
}

/** Polls `kubectl get` until `check` returns a value (generous deadline; never asserts durations). */
export function waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 180_000) {
  return eventually(what, check, { timeoutMs, intervalMs: 1_000 });
}
