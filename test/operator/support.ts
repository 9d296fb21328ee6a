// Helpers for operator tests: the real operator as a child process (so it can be SIGKILLed),
// kubectl against the test cluster, and polling with generous deadlines (never timing asserts).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect } from 'vitest';
import { createLogger } from '../../operator/controller/logger.ts';
import { type RunningOperator, startOperator as runOperator } from '../../operator/controller/operator.ts';
import { type TestCluster, testCluster } from '../cluster/context.ts';
import { kubectl, runKubectl, writeUserKubeconfig } from '../cluster/harness.ts';
import { installCrds } from '../cluster/third-party-crds.ts';
import { eventually } from '../support/eventually.ts';
import { storefront } from '../support/storefront.ts';

export const ROOT = join(import.meta.dirname, '../..');
export const OPERATOR_USER = 'storefront-operator-test';

export function cluster(): TestCluster {
  return testCluster();
}

export function k(args: string[], input?: string): string {
  return kubectl(cluster(), args, input === undefined ? {} : { input });
}

export function kJson<T = any>(args: string[]): T {
  return JSON.parse(k([...args, '-o', 'json'])) as T;
}

export function kTry(args: string[], input?: string) {
  return runKubectl(cluster(), args, input === undefined ? {} : { input });
}

export const STOREFRONT_CRD = join(ROOT, 'crds/storefront.dev_storefronts.yaml');

export function installCrd(): void {
  installCrds(cluster(), [STOREFRONT_CRD]);
}

/** A fresh namespace that enforces Pod Security `restricted`. */
export function restrictedNamespace(prefix: string): string {
  const ns = `${prefix}-${Math.random().toString(36).slice(2, 7)}`;
  k(['create', 'namespace', ns]);
  k([
    'label',
    'namespace',
    ns,
    'pod-security.kubernetes.io/enforce=restricted',
    'pod-security.kubernetes.io/enforce-version=latest',
  ]);
  return ns;
}

export function storefrontDoc(name: string, spec: Record<string, unknown> = {}): string {
  return JSON.stringify(storefront(name, spec));
}

/** eventually() at kubectl's pace (each poll of most checks spawns kubectl). */
export function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 180_000,
): Promise<Exclude<T, undefined | null | false | ''>> {
  return eventually(what, probe, { timeoutMs, intervalMs: 500 });
}

/** Merges `data` (plain text, encoded here) into Secret `name`, as `fieldManager` when given. */
export function patchSecretData(
  ns: string,
  name: string,
  data: Record<string, string>,
  fieldManager?: string,
) {
  const encoded = Object.fromEntries(
    Object.entries(data).map(([key, v]) => [key, Buffer.from(v).toString('base64')]),
  );
  return k([
    'patch',
    'secret',
    name,
    '-n',
    ns,
    ...(fieldManager ? [`--field-manager=${fieldManager}`] : []),
    '--type=merge',
    '-p',
    JSON.stringify({ data: encoded }),
  ]);
}

/** Merges `spec` into Storefront `name`'s spec. */
export function patchSpec(ns: string, name: string, spec: Record<string, unknown>): string {
  return k(['patch', 'storefront', name, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec })]);
}

/** Writes `status` the way the object's own controller would (cert-manager, a Gateway, …). */
export function setStatus(
  ns: string,
  resource: string,
  name: string,
  status: Record<string, unknown>,
): string {
  return k([
    'patch',
    resource,
    name,
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
}

/** Marks HTTPRoute `route` Accepted by the Gateway `parentRef` names, as a Gateway controller does. */
export function acceptRoute(
  ns: string,
  route: { metadata: { name: string; generation?: number } },
  parentRef: Record<string, string>,
): string {
  return setStatus(ns, 'httproute', route.metadata.name, {
    parents: [
      {
        parentRef,
        controllerName: 'example.net/gateway',
        conditions: [
          {
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            message: 'ok',
            lastTransitionTime: new Date().toISOString(),
            observedGeneration: route.metadata.generation,
          },
        ],
      },
    ],
  });
}

/** Waits for Storefront `name`'s condition `type` to have `status` (and `reason`, when given). */
export function waitCondition(ns: string, name: string, type: string, status: string, reason?: string) {
  return waitFor(`${name} ${type}=${status}${reason ? ` (${reason})` : ''}`, () => {
    const c = condition(ns, name, type);
    return c?.status === status && (reason === undefined || c.reason === reason) ? c : undefined;
  });
}

/** Waits until `kind/name` is gone, proven by the API server's NotFound. */
export function waitGone(ns: string, kind: string, name: string): Promise<true> {
  return waitFor(`${kind}/${name} pruned`, () => {
    const res = kTry(['get', kind, name, '-n', ns, '-o', 'name']);
    return res.status !== 0 && res.stderr.includes('(NotFound)');
  });
}

/** Absence proven by the API server's NotFound, not by kubectl failing for any reason. */
export function expectNotFound(ns: string, kind: string, name: string): void {
  const res = kTry(['get', kind, name, '-n', ns, '-o', 'name']);
  expect(res.status, `${kind}/${name} still exists`).not.toBe(0);
  expect(res.stderr).toContain('(NotFound)');
}

export function condition(
  ns: string,
  name: string,
  type: string,
): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  const sf = kJson(['get', 'storefront', name, '-n', ns]);
  return sf.status?.conditions?.find((c: { type: string }) => c.type === type);
}

export async function waitReady(ns: string, name: string, timeoutMs = 240_000): Promise<any> {
  return waitFor(
    `Storefront ${ns}/${name} Ready`,
    () => {
      const sf = kJson(['get', 'storefront', name, '-n', ns]);
      const ready = sf.status?.conditions?.find((c: { type: string }) => c.type === 'Ready');
      return ready?.status === 'True' && sf.status.observedGeneration === sf.metadata.generation
        ? sf
        : undefined;
    },
    timeoutMs,
  );
}

export interface OperatorProcess {
  child: ChildProcess;
  logFile: string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `storefront operator` as a distinct user (so the audit log can single out its writes). */
export function startOperator(
  args: string[] = [],
  user = OPERATOR_USER,
  env: Record<string, string> = {},
): OperatorProcess {
  const kubeconfig = writeUserKubeconfig(user, ['system:masters'], { stateDir: cluster().stateDir });
  return spawnOperator(kubeconfig, args, env);
}

/** `storefront operator` as a child process authenticated by `kubeconfig`, its output in a log file. */
export function spawnOperator(
  kubeconfig: string,
  args: string[],
  env: Record<string, string> = {},
): OperatorProcess {
  const logFile = join(mkdtempSync(join(tmpdir(), 'sf-operator-')), 'operator.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'operator/cli/bin.ts'),
      'operator',
      '--kubeconfig',
      kubeconfig,
      '--health-port',
      '0',
      ...args,
    ],
    {
      stdio: ['ignore', out, out],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...env },
    },
  );
  return {
    child,
    logFile,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await Promise.race([exited, sleep(40_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

export interface OperatorSuite {
  /** Filled in before the file's tests run. */
  op: OperatorProcess;
  namespaces: string[];
}

/**
 * The set-up operator test files share, registered as hooks: the CRD, one restricted namespace per
 * prefix, `beforeOperator` (e.g. removing a CRD the file wants absent), the operator with the
 * arguments `args` gives for those namespaces; after the file, the operator is stopped, the
 * namespaces deleted and `afterOperator` run (e.g. putting that CRD back for the other files).
 */
export function operatorSuite(
  prefixes: string[],
  args: (namespaces: string[]) => string[],
  options: { env?: Record<string, string>; beforeOperator?: () => void; afterOperator?: () => void } = {},
): OperatorSuite {
  const suite = { namespaces: [] } as unknown as OperatorSuite;
  beforeAll(() => {
    installCrd();
    options.beforeOperator?.();
    suite.namespaces = prefixes.map(restrictedNamespace);
    suite.op = startOperator(args(suite.namespaces), undefined, options.env);
  });
  afterAll(async () => {
    await suite.op?.kill('SIGTERM');
    for (const ns of suite.namespaces) kTry(['delete', 'namespace', ns, '--wait=false']);
    options.afterOperator?.();
  });
  return suite;
}

/** The operator in this process, watching one namespace (its cache and client can be inspected). */
export function startInProcessOperator(kubeconfig: string, namespace: string): Promise<RunningOperator> {
  return runOperator({
    kubeconfig,
    namespace,
    concurrency: 2,
    leaderElection: false,
    healthPort: 0,
    resyncMs: 600_000,
    qps: 50,
    burst: 100,
    logger: createLogger({ level: 'warn' }),
  });
}
