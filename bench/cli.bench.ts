// npm run bench:cli — the `storefront` CLI beside helm, side by side in one run, as whole processes
// (start-up included), tool by tool alternating so load on the machine hits both alike:
//   template:  storefront template -f examples/minimal.yaml   vs  helm template of a chart holding
//              exactly the objects storefront template prints
//   version:   storefront version                             vs  helm version
//   upgrade:   storefront upgrade --install                   vs  helm upgrade --install (bench:deployer's pair)
// storefront runs as users run it: node bin/storefront.mjs (the bundle; built first). Each command
// runs once untimed first on both sides (Node's compile cache, the page cache). Prints medians,
// min/max, the ratios against the targets (wall time, what a user waits), the CPU time of each side
// (GNU time; it moves far less than wall time on a shared machine), peak RSS of template, and the
// load average.
// Env: ROUNDS (default 7), STOREFRONT_CLUSTER_STATE_DIR (default <cache>/state/bench-cli; a
// cluster this script starts is stopped at the end).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli } from '../scripts/build-cli.ts';
import { ensureCluster, stopCluster } from '../test/cluster/harness.ts';
import { defaultStateDir } from '../test/cluster/paths.ts';
import { deployerPair, lastCpuMs, ROOT, STOREFRONT_BIN, timed } from './deployer-pair.ts';
import { machineLine, percentile } from './machine.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const stateDir = process.env.STOREFRONT_CLUSTER_STATE_DIR || defaultStateDir('bench-cli');
const SPEC = join(ROOT, 'examples/minimal.yaml');
const GNU_TIME = '/usr/bin/time';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const loadAtStart = load();

const cluster = await ensureCluster({ stateDir, log: (l) => process.stderr.write(`[cluster] ${l}\n`) });
const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
const dir = mkdtempSync(join(tmpdir(), 'sf-bench-cli-'));
const built = await buildCli();
process.stderr.write(`[bench] CLI bundle built in ${Math.round(built.ms)} ms\n`);

// The helm chart for `template`: exactly what storefront template prints.
const templateArgs = [STOREFRONT_BIN, 'template', '-f', SPEC, '-q'];
const rendered = execFileSync(process.execPath, templateArgs, { encoding: 'utf8' });
if (rendered.includes('{{')) throw new Error('rendered YAML contains template delimiters');
const chart = join(dir, 'template-chart');
mkdirSync(join(chart, 'templates'), { recursive: true });
writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: shop\nversion: 0.1.0\n');
writeFileSync(join(chart, 'templates', 'storefront.yaml'), rendered);
const objectCount = rendered.split(/^---$/m).length;
const helmTemplateArgs = ['template', 'shop', chart];
const helmRendered = execFileSync(cluster.helm, helmTemplateArgs, { encoding: 'utf8' });
const helmCount = helmRendered.split(/^---$/m).filter((d) => /^kind: /m.test(d)).length;
if (helmCount !== objectCount)
  throw new Error(`helm template printed ${helmCount} objects, storefront ${objectCount}`);

interface Pair {
  what: string;
  storefront: () => number;
  helm: () => number;
  target?: number;
  must: number;
}

const pairs: Pair[] = [
  {
    what: `template (${objectCount} objects)`,
    storefront: () => timed('storefront template', process.execPath, templateArgs, env),
    helm: () => timed('helm template', cluster.helm, helmTemplateArgs, env),
    target: 1.0,
    must: 2.0,
  },
  {
    what: 'version',
    storefront: () => timed('storefront version', process.execPath, [STOREFRONT_BIN, 'version'], env),
    helm: () => timed('helm version', cluster.helm, ['version'], env),
    must: 2.0,
  },
];

/** Peak RSS in MiB of one run, from GNU time (the kernel's maxrss of the child). */
function peakRss(cmd: string, args: string[]): string {
  if (!existsSync(GNU_TIME)) return 'n/a (no /usr/bin/time)';
  const r = spawnSync(GNU_TIME, ['-f', '%M', cmd, ...args], {
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  const kb = Number(r.stderr.trim().split('\n').at(-1));
  return Number.isFinite(kb) ? `${(kb / 1024).toFixed(0)} MiB` : 'n/a';
}

const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const results: string[] = [];
const verdicts: string[] = [];

/** CPU ms of each timed run, per side of the pair being measured. */
let cpu = { sf: [] as number[], helm: [] as number[] };
const withCpu = (side: 'sf' | 'helm', ms: number) => {
  cpu[side].push(lastCpuMs);
  return ms;
};

function report(p: Pair, sf: number[], helm: number[]): void {
  sf.sort((a, b) => a - b);
  helm.sort((a, b) => a - b);
  const a = percentile(sf, 50);
  const b = percentile(helm, 50);
  const ratio = a / b;
  results.push(
    `${p.what.padEnd(38)} storefront ${s(a)} (min ${s(sf[0]!)}, max ${s(sf.at(-1)!)}) | helm ${s(b)} (min ${s(helm[0]!)}, max ${s(helm.at(-1)!)}) | ratio ${ratio.toFixed(2)}x`,
  );
  const cs = cpu.sf.sort((x, y) => x - y);
  const ch = cpu.helm.sort((x, y) => x - y);
  const ca = percentile(cs, 50);
  const cb = percentile(ch, 50);
  results.push(
    `${''.padEnd(38)} CPU (user+sys) median: storefront ${s(ca)} | helm ${s(cb)} | ratio ${(ca / cb).toFixed(2)}x`,
  );
  cpu = { sf: [], helm: [] };
  const target =
    p.target === undefined
      ? ''
      : `target <= ${p.target.toFixed(1)}x ${ratio <= p.target ? 'met' : 'MISSED'}; `;
  verdicts.push(`${p.what}: ${target}must <= ${p.must.toFixed(1)}x ${ratio <= p.must ? 'met' : 'MISSED'}`);
}

let namespaces: string[] = [];
try {
  const helmVersion = execFileSync(cluster.helm, ['version', '--short'], { encoding: 'utf8' }).trim();
  for (const p of pairs) {
    p.storefront();
    p.helm();
    const sf: number[] = [];
    const helm: number[] = [];
    cpu = { sf: [], helm: [] };
    for (let i = 0; i < ROUNDS; i++) {
      sf.push(withCpu('sf', p.storefront()));
      helm.push(withCpu('helm', p.helm()));
    }
    report(p, sf, helm);
  }
  const deployer = await deployerPair(cluster, dir);
  namespaces = deployer.namespaces;
  const install = [deployer.storefront(2), deployer.helm(2)];
  const up: Pair = {
    what: `upgrade --install (${deployer.count} objects)`,
    storefront: () => 0,
    helm: () => 0,
    target: 0.5,
    must: 0.8,
  };
  const sfUp: number[] = [];
  const helmUp: number[] = [];
  cpu = { sf: [], helm: [] };
  for (let i = 0; i < ROUNDS; i++) {
    const replicas = i % 2 === 0 ? 3 : 2;
    sfUp.push(withCpu('sf', deployer.storefront(replicas)));
    helmUp.push(withCpu('helm', deployer.helm(replicas)));
  }
  report(up, sfUp, helmUp);

  console.log(`bench:cli | ${machineLine()}`);
  console.log(
    `helm ${helmVersion}, local control plane at ${cluster.apiServerUrl}; ${ROUNDS} rounds per pair after one untimed run, medians`,
  );
  for (const line of results) console.log(line);
  console.log(
    `first install (not in the ratio): storefront ${s(install[0]!)} | helm ${s(install[1]!)} | ratio ${(install[0]! / install[1]!).toFixed(2)}x`,
  );
  console.log(
    `peak RSS of template: storefront ${peakRss(process.execPath, templateArgs)} | helm ${peakRss(cluster.helm, helmTemplateArgs)}`,
  );
  console.log(
    `bare node -e 0: ${s(
      percentile(
        [...Array(5)].map(() => timed('node', process.execPath, ['-e', '0'], env)).sort((a, b) => a - b),
        50,
      ),
    )} (median of 5)`,
  );
  for (const v of verdicts) console.log(v);
  console.log(`load average at start ${loadAtStart}, at the end ${load()} on ${cpus().length} cores`);
} finally {
  for (const ns of namespaces)
    spawnSync(cluster.kubectl, ['delete', 'namespace', ns, '--wait=false'], { env });
  rmSync(dir, { recursive: true, force: true });
  if (cluster.started) {
    await stopCluster({ stateDir });
    process.stderr.write(`[cluster] stopped the cluster this benchmark started in ${stateDir}\n`);
  }
}
