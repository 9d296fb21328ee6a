// vitest globalSetup for the `cluster` project: one control plane per run, in its own state
// directory so a developer's `npm run cluster:up` cluster is left alone. Concurrent runs share
// it; the last one out stops it, and only if a test run (not a developer) started it.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildCli } from '../../scripts/build-cli.ts';
import { clusterEnv } from './env.ts';
import { ensureCluster, stopCluster } from './harness.ts';
import { pidAlive } from './lock.ts';
import { cacheDir, repoRoot } from './paths.ts';

function otherLiveHolders(holdersDir: string): number {
  if (!existsSync(holdersDir)) return 0;
  return readdirSync(holdersDir)
    .map(Number)
    .filter((pid) => pid !== process.pid && Number.isInteger(pid) && pidAlive(pid)).length;
}

/**
 * The state directory of this run's test cluster (`-node` appended for the real-node project).
 * By default one per clone (`state/test-<folder>-<hash of its path>`): two clones testing at once
 * must not share a cluster, since their tests use the same namespace and cluster-scoped names
 * (and each tree installs its own CRD version). Runs of the same clone share it (holders below).
 */
export function testStateDir(suffix = ''): string {
  const clone = `${basename(repoRoot)}-${createHash('sha256').update(repoRoot).digest('hex').slice(0, 8)}`;
  return `${process.env['STOREFRONT_TEST_STATE_DIR'] || join(cacheDir(), 'state', `test-${clone}`)}${suffix}`;
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return setupCluster(project, { stateDir: testStateDir() });
}

/** Brings up (or joins) the test cluster in `stateDir` and provides it to the project's tests. */
export async function setupCluster(
  project: TestProject,
  opts: { stateDir: string; realNode?: boolean },
): Promise<() => Promise<void>> {
  const { stateDir } = opts;
  const holdersDir = `${stateDir}.holders`;
  const marker = join(stateDir, 'started-by-test-run');
  mkdirSync(holdersDir, { recursive: true });
  writeFileSync(join(holdersDir, String(process.pid)), '');

  // The CLI tests run bin/storefront.mjs, as users do: build its bundle once, before any of them.
  await buildCli();
  const t0 = Date.now();
  const info = await ensureCluster({
    stateDir,
    ...(opts.realNode ? { realNode: true } : {}),
    log: (line) => process.stderr.write(`[cluster] ${line}\n`),
  });
  if (info.started) writeFileSync(marker, `${process.pid}\n`);
  process.stderr.write(
    `[cluster] ${info.started ? 'started' : 'reusing'} ${info.apiServerUrl} in ${((Date.now() - t0) / 1000).toFixed(1)}s (${stateDir})\n`,
  );

  Object.assign(process.env, clusterEnv(info));
  project.provide('storefrontCluster', {
    stateDir: info.stateDir,
    kubeconfig: info.kubeconfig,
    apiServerUrl: info.apiServerUrl,
    binDir: info.binDir,
    kubectl: info.kubectl,
    helm: info.helm,
    auditLogPath: info.auditLogPath,
    caCert: info.caCert,
    storageClass: info.storageClass,
  });

  return async () => {
    rmSync(join(holdersDir, String(process.pid)), { force: true });
    const stopped = await stopCluster({
      stateDir,
      onlyIf: () => otherLiveHolders(holdersDir) === 0 && existsSync(marker),
    });
    if (stopped) process.stderr.write(`[cluster] stopped the test cluster in ${stateDir}\n`);
  };
}
