// Helpers for deployer tests: the real `storefront` CLI as a child process against the test
// cluster (so it can be run concurrently and SIGKILLed), spec files, and kubectl shortcuts.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { cluster, kTry, ROOT, restrictedNamespace } from '../operator/support.ts';
import { storefront } from '../support/storefront.ts';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Output so far (grows while it runs). */
  output: () => { stdout: string; stderr: string };
  done: Promise<CliResult>;
}

export function startCli(args: string[], env: Record<string, string> = {}): CliProcess {
  // What users run: the bundled CLI behind bin/storefront.mjs (the cluster setup builds it).
  const child = spawn(process.execPath, [join(ROOT, 'bin/storefront.mjs'), ...args], {
    env: { ...process.env, KUBECONFIG: cluster().kubeconfig, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

export function sf(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

const dir = mkdtempSync(join(tmpdir(), 'sf-deploy-test-'));
let files = 0;

/** Writes a Storefront spec file and returns its path. */
export function specFile(name: string, spec: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}-${++files}.json`);
  writeFileSync(file, JSON.stringify(storefront(name, spec)));
  return file;
}

/** Which Secrets hold releases and their statuses, oldest first. */
export function releaseStatuses(ns: string, name: string, k: (args: string[]) => string): string[] {
  const items = JSON.parse(
    k(['get', 'secret', '-n', ns, '-l', `storefront.dev/release-name=${name}`, '-o', 'json']),
  ).items as { metadata: { labels: Record<string, string> } }[];
  return items
    .map(
      (s) =>
        [
          Number(s.metadata.labels['storefront.dev/release-revision']),
          s.metadata.labels['storefront.dev/release-status']!,
        ] as const,
    )
    .sort((a, b) => a[0] - b[0])
    .map(([rev, status]) => `${rev}:${status}`);
}

export function explain(r: CliResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/**
 * The set-up of a file that works on one release, registered as hooks: a restricted namespace with
 * release `name` installed and Ready before the tests, deleted after. `namespace` is set by then.
 */
export function installedRelease(prefix: string, name: string): { namespace: string } {
  const release = { namespace: '' };
  beforeAll(async () => {
    release.namespace = restrictedNamespace(prefix);
    const r = await sf([
      'install',
      name,
      '-f',
      specFile(name),
      '-n',
      release.namespace,
      '--wait',
      '--timeout',
      '4m',
    ]);
    expect(r.code, explain(r)).toBe(0);
  });
  afterAll(() => {
    if (release.namespace) kTry(['delete', 'namespace', release.namespace, '--wait=false']);
  });
  return release;
}
