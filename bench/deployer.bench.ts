// npm run bench:deployer — install and upgrade time of one Storefront via `storefront upgrade
// --install` and via `helm upgrade --install` of a chart holding the same rendered objects, on the
// same local control plane in one run. Both are timed as the CLI processes a CI job would run
// (start-up included), alternating tool by tool so load on the machine hits both alike.
// Env: ROUNDS (upgrades per tool, default 5), STOREFRONT_CLUSTER_STATE_DIR (default
// <cache>/state/bench-deployer; a cluster this script starts is stopped at the end).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { parseStorefront } from '../operator/api/validate.ts';
import { ensureSelfSignedTls } from '../operator/observe/self-signed-tls.ts';
import { frontDoorHosts } from '../operator/render/front-door.ts';
import { generateCredential, requiredCredentials } from '../operator/render/inputs.ts';
import { render } from '../operator/render/render.ts';
import { ensureCluster, stopCluster } from '../test/cluster/harness.ts';
import { defaultStateDir } from '../test/cluster/paths.ts';
import { machineLine, percentile } from './machine.ts';

const ROOT = join(import.meta.dirname, '..');
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const stateDir = process.env.STOREFRONT_CLUSTER_STATE_DIR || defaultStateDir('bench-deployer');
const NAME = 'benchshop';

const cluster = await ensureCluster({ stateDir, log: (l) => process.stderr.write(`[cluster] ${l}\n`) });
const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
const kubectl = (args: string[]) => execFileSync(cluster.kubectl, args, { env, encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'sf-bench-deployer-'));
const suffix = Math.random().toString(36).slice(2, 7);
const nsCli = `bench-cli-${suffix}`;
const nsHelm = `bench-helm-${suffix}`;

function storefront(replicas: number) {
  return parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: NAME },
    spec: { host: `${NAME}.example.com`, app: { replicas } },
  });
}

function timed(what: string, cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return ms;
}

// The storefront side: a spec file per replica count.
const specFile = (replicas: number) => {
  const file = join(dir, `spec-${replicas}.json`);
  writeFileSync(file, JSON.stringify(storefront(replicas)));
  return file;
};
const sfRun = (replicas: number) =>
  timed('storefront upgrade --install', process.execPath, [
    join(ROOT, 'operator/cli/bin.ts'),
    'upgrade',
    NAME,
    '--install',
    '-f',
    specFile(replicas),
    '-n',
    nsCli,
  ]);

// The helm side: the same objects (credentials and a self-signed certificate generated once,
// as the CLI does), one template per replica count in a throwaway chart.
const credentials = Object.fromEntries(
  requiredCredentials(storefront(2)).map((k) => [k, generateCredential()]),
);
const tlsDecision = await ensureSelfSignedTls(NAME, frontDoorHosts(storefront(2)), {}, new Date());
const tls = { ...tlsDecision.material, notAfter: tlsDecision.notAfter.toISOString() };
const chartDir = (replicas: number) => {
  const d = join(dir, `chart-${replicas}`);
  mkdirSync(join(d, 'templates'), { recursive: true });
  writeFileSync(join(d, 'Chart.yaml'), `apiVersion: v2\nname: ${NAME}\nversion: 0.1.0\n`);
  const objects = render(storefront(replicas), { namespace: nsHelm, credentials, tls });
  // YAML 1.1 (helm's parser) reads a bare `no` as false: quote what 1.1 would misread.
  const yaml = objects
    .map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' }))
    .join('---\n');
  if (yaml.includes('{{')) throw new Error('rendered YAML contains template delimiters');
  writeFileSync(join(d, 'templates', 'storefront.yaml'), yaml);
  return { dir: d, count: objects.length };
};
const charts = { 2: chartDir(2), 3: chartDir(3) };
const helmRun = (replicas: 2 | 3) =>
  timed('helm upgrade --install', cluster.helm, [
    'upgrade',
    '--install',
    NAME,
    charts[replicas].dir,
    '-n',
    nsHelm,
    '--kubeconfig',
    cluster.kubeconfig,
  ]);

try {
  for (const ns of [nsCli, nsHelm]) kubectl(['create', 'namespace', ns]);
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
    sfStart.push(
      timed('storefront --version', process.execPath, [join(ROOT, 'operator/cli/bin.ts'), '--version']),
    );
    helmStart.push(timed('helm version', cluster.helm, ['version', '--short']));
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
  for (const ns of [nsCli, nsHelm])
    spawnSync(cluster.kubectl, ['delete', 'namespace', ns, '--wait=false'], { env });
  rmSync(dir, { recursive: true, force: true });
  if (cluster.started) {
    await stopCluster({ stateDir });
    process.stderr.write(`[cluster] stopped the cluster this benchmark started in ${stateDir}\n`);
  }
}
