// npm run bench:deployer — install and upgrade time of one Storefront via `storefront upgrade
// --install` and via `helm upgrade --install` of a chart holding the same rendered objects, on the
// same local control plane in one run. Both are timed as the CLI processes a CI job would run
// (start-up included), alternating tool by tool so load on the machine hits both alike.
// Env: ROUNDS (upgrades per tool, default 5), STOREFRONT_CLUSTER_STATE_DIR (default
// <cache>/state/bench-deployer; a cluster this script starts is stopped at the end).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../scripts/build-cli.ts';
import { ensureCluster, stopCluster } from '../test/cluster/harness.ts';
import { defaultStateDir } from '../test/cluster/paths.ts';
import { deployerPair, STOREFRONT_BIN, timed } from './deployer-pair.ts';
import { machineLine, percentile } from './machine.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const stateDir = process.env.STOREFRONT_CLUSTER_STATE_DIR || defaultStateDir('bench-deployer');

const cluster = await ensureCluster({ stateDir, log: (l) => process.stderr.write(`[cluster] ${l}\n`) });
const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
const dir = mkdtempSync(join(tmpdir(), 'sf-bench-deployer-'));
await buildCli();
const pair = await deployerPair(cluster, dir);
const sfRun = pair.storefront;
const helmRun = pair.helm;
const charts = { 2: { count: pair.count } };

try {
  const helmVersion = execFileSync(cluster.helm, ['version', '--short'], { encoding: 'utf8' }).trim();
  // Install: the first run of each.
  const sfInstall = sfRun(2);
  const helmInstall = helmRun(2);
  const sfUp: number[] = [];
  const helmUp: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const replicas = i % 2 === 0 ? 3 : 2;
    sfUp.push(sfRun(replicas));
    helmUp.push(helmRun(replicas));
  }
  // Process start-up alone (module loading for storefront, a Go binary for helm), same rounds.
  const sfStart: number[] = [];
  const helmStart: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    sfStart.push(timed('storefront --version', process.execPath, [STOREFRONT_BIN, '--version'], env));
    helmStart.push(timed('helm version', cluster.helm, ['version', '--short'], env));
  }
  sfStart.sort((a, b) => a - b);
  helmStart.sort((a, b) => a - b);
  sfUp.sort((a, b) => a - b);
  helmUp.sort((a, b) => a - b);
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const sfMed = percentile(sfUp, 50);
  const helmMed = percentile(helmUp, 50);
  console.log(`bench:deployer | ${machineLine()}`);
  console.log(
    `cluster: local control plane at ${cluster.apiServerUrl}, helm ${helmVersion}; ${charts[2].count} objects per release`,
  );
  console.log(
    `install:  storefront upgrade --install ${s(sfInstall)} | helm upgrade --install ${s(helmInstall)} | ratio storefront/helm ${(sfInstall / helmInstall).toFixed(2)}`,
  );
  console.log(
    `upgrade (replicas 2<->3, ${ROUNDS} rounds, median): storefront ${s(sfMed)} (min ${s(sfUp[0]!)}, max ${s(sfUp.at(-1)!)}) | helm ${s(helmMed)} (min ${s(helmUp[0]!)}, max ${s(helmUp.at(-1)!)}) | ratio storefront/helm ${(sfMed / helmMed).toFixed(2)}`,
  );
  console.log(
    `start-up alone (median): storefront --version ${s(percentile(sfStart, 50))} | helm version ${s(percentile(helmStart, 50))} -> storefront upgrade minus start-up ${s(sfMed - percentile(sfStart, 50))}`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} cores`,
  );
  console.log(
    'both timed as whole processes (start-up included), neither with --wait; storefront also reads credentials, issues/reuses TLS, checks ownership and records a revision with a lock',
  );
} finally {
  for (const ns of pair.namespaces)
    spawnSync(cluster.kubectl, ['delete', 'namespace', ns, '--wait=false'], { env });
  rmSync(dir, { recursive: true, force: true });
  if (cluster.started) {
    await stopCluster({ stateDir });
    process.stderr.write(`[cluster] stopped the cluster this benchmark started in ${stateDir}\n`);
  }
}
