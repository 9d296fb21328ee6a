// Helpers for the operator chart's tests: helm against the test cluster, renders parsed into
// objects, and the operator run locally under the chart's ServiceAccount (a client certificate
// whose user and groups are exactly what the API server gives that ServiceAccount's token).
import { type ChildProcess, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CHART_DIR } from '../../scripts/render-manifests.ts';
import { type AuditEvent, auditWrites } from '../cluster/audit.ts';
import { writeUserKubeconfig } from '../cluster/harness.ts';
import { cluster, installCrd, kTry, spawnOperator, waitFor } from './support.ts';

export { CHART_DIR };

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: any;
};

export function helmTry(args: string[]): HelmResult {
  const c = cluster();
  const res = spawnSync(c.helm, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      KUBECONFIG: c.kubeconfig,
      HELM_CACHE_HOME: helmHome('cache'),
      HELM_CONFIG_HOME: helmHome('config'),
      HELM_DATA_HOME: helmHome('data'),
    },
  });
  if (res.error) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

export function helm(args: string[]): string {
  const res = helmTry(args);
  if (res.status !== 0)
    throw new Error(`helm ${args.join(' ')} failed (${res.status}):\n${res.stderr}${res.stdout}`);
  return res.stdout;
}

let home: string | undefined;
/** A private Helm home, so tests never read or write a developer's repositories and plugins. */
function helmHome(kind: string): string {
  home ??= mkdtempSync(join(tmpdir(), 'sf-helm-'));
  return join(home, kind);
}

/** `helm template` of the chart (or a copy) with `--set` values, as parsed objects. */
export function render(
  set: string[] = [],
  options: { chart?: string; namespace?: string; extra?: string[] } = {},
): K8sObject[] {
  const args = [
    'template',
    'sfo',
    options.chart ?? CHART_DIR,
    '--namespace',
    options.namespace ?? 'storefront-system',
  ];
  for (const s of set) args.push('--set', s);
  return parseObjects(helm([...args, ...(options.extra ?? [])]));
}

export function parseObjects(yamlText: string): K8sObject[] {
  return parseAllDocuments(yamlText)
    .map((d) => {
      if (d.errors.length) throw new Error(`bad YAML from helm: ${d.errors[0]?.message}`);
      return d.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (!found)
    throw new Error(
      `no ${kind}${name ? ` ${name}` : ''} in the render (kinds: ${objects.map((o) => o.kind).join(', ')})`,
    );
  return found;
}

/** A copy of the chart in a temp dir, to change (e.g. its CRD) without touching the real one. */
export function copyChart(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sf-chart-')), 'storefront-operator');
  cpSync(CHART_DIR, dir, { recursive: true });
  return dir;
}

export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/** The groups the API server puts on a ServiceAccount token of `namespace`. */
export function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

/** A kubeconfig authenticating as the ServiceAccount (same user name and groups as its token). */
export function serviceAccountKubeconfig(namespace: string, name: string): string {
  return writeUserKubeconfig(serviceAccountUser(namespace, name), serviceAccountGroups(namespace), {
    stateDir: cluster().stateDir,
  });
}

/** `kubectl auth can-i` as the ServiceAccount: true for "yes", false for "no". */
export function canI(sa: { namespace: string; name: string }, args: string[]): boolean {
  const as = [
    `--as=${serviceAccountUser(sa.namespace, sa.name)}`,
    ...serviceAccountGroups(sa.namespace).map((g) => `--as-group=${g}`),
  ];
  const res = kTry(['auth', 'can-i', ...args, ...as]);
  const answer = res.stdout.trim();
  if (answer !== 'yes' && answer !== 'no')
    throw new Error(`kubectl auth can-i ${args.join(' ')}: ${res.stderr || answer}`);
  return answer === 'yes';
}

export interface LocalOperator {
  child: ChildProcess;
  logFile: string;
  log(): string;
  stop(): Promise<void>;
}

/** `storefront operator` on this machine, authenticated by `kubeconfig`, Lease in `leaseNamespace`. */
export function runOperator(kubeconfig: string, args: string[], leaseNamespace: string): LocalOperator {
  const op = spawnOperator(kubeconfig, args, { POD_NAMESPACE: leaseNamespace, LOG_LEVEL: 'debug' });
  return {
    child: op.child,
    logFile: op.logFile,
    log: () => readFileSync(op.logFile, 'utf8'),
    stop: () => op.kill('SIGTERM'),
  };
}

/** Every write the user made since `sinceOffset` (the audit log records writes, with their status). */
export async function writesBy(user: string, sinceOffset: number): Promise<AuditEvent[]> {
  return auditWrites({ user, sinceOffset, auditLogPath: cluster().auditLogPath });
}

/** Log lines that show a refused request (KubeApiError: "<verb> <kind>: 403 Forbidden: ..."). */
export function forbiddenLines(log: string): string[] {
  return log.split('\n').filter((l) => /: 403 |forbidden/i.test(l));
}

/** Removes Storefront finalizers (no operator runs any more) and deletes the namespaces. */
export function cleanupNamespaces(namespaces: string[]): void {
  for (const ns of namespaces) {
    const list = kTry(['get', 'storefronts', '-n', ns, '-o', 'name']);
    for (const name of list.stdout.split('\n').filter(Boolean)) {
      kTry(['patch', name, '-n', ns, '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
    kTry(['delete', 'namespace', ns, '--wait=false']);
  }
}

/** The CRD back to crds/ (the shared cluster's other tests expect exactly that). */
export function restoreCrd(): void {
  installCrd();
}

/** Polls the operator's log until `pick` finds something in it. */
export async function waitForLog(
  op: LocalOperator,
  pick: (log: string) => string | undefined,
  what: string,
): Promise<string> {
  return waitFor(what, () => pick(op.log()), 120_000);
}
