// The pair bench:deployer and bench:cli time: `storefront upgrade --install` (bin/storefront.mjs,
// what users run) and `helm upgrade --install` of a chart holding the same rendered objects
// (credentials and a self-signed certificate generated once, as the CLI does), each into its own
// namespace of the same cluster. One place, so both benchmarks time the same thing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import { parseStorefront } from '../operator/api/validate.ts';
import { ensureSelfSignedTls } from '../operator/observe/self-signed-tls.ts';
import { frontDoorHosts } from '../operator/render/front-door.ts';
import { generateCredential, requiredCredentials } from '../operator/render/inputs.ts';
import { render } from '../operator/render/render.ts';

export const ROOT = join(import.meta.dirname, '..');
export const STOREFRONT_BIN = join(ROOT, 'bin/storefront.mjs');

export interface BenchCluster {
  kubectl: string;
  helm: string;
  kubeconfig: string;
}

const GNU_TIME = '/usr/bin/time';
const CPU_MARK = '__storefront_bench_cpu';

/**
 * CPU time (user + system, ms) of the last process `timed` ran, from GNU time when it is there
 * (NaN otherwise): on a loaded machine it moves far less than wall time does.
 */
export let lastCpuMs = Number.NaN;

/** Runs a whole process and returns its wall time in ms; throws with its output on failure. */
export function timed(what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const viaTime = existsSync(GNU_TIME);
  const t0 = performance.now();
  const r = viaTime
    ? spawnSync(GNU_TIME, ['-f', `${CPU_MARK} %U %S`, cmd, ...args], {
        env,
        encoding: 'utf8',
        maxBuffer: 64 * 2 ** 20,
      })
    : spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  const m = new RegExp(`${CPU_MARK} ([\\d.]+) ([\\d.]+)`).exec(r.stderr ?? '');
  lastCpuMs = m ? (Number(m[1]) + Number(m[2])) * 1000 : Number.NaN;
  return ms;
}

export interface DeployerPair {
  /** Objects per release. */
  count: number;
  storefront: (replicas: 2 | 3) => number;
  helm: (replicas: 2 | 3) => number;
  namespaces: string[];
}

export async function deployerPair(
  cluster: BenchCluster,
  dir: string,
  name = 'benchshop',
): Promise<DeployerPair> {
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfig };
  const suffix = Math.random().toString(36).slice(2, 7);
  const nsCli = `bench-cli-${suffix}`;
  const nsHelm = `bench-helm-${suffix}`;
  const storefront = (replicas: number) =>
    parseStorefront({
      apiVersion: 'storefront.dev/v1alpha1',
      kind: 'Storefront',
      metadata: { name },
      spec: { host: `${name}.example.com`, app: { replicas } },
    });
  const specFile = (replicas: number) => {
    const file = join(dir, `spec-${replicas}.json`);
    writeFileSync(file, JSON.stringify(storefront(replicas)));
    return file;
  };
  const credentials = Object.fromEntries(
    requiredCredentials(storefront(2)).map((k) => [k, generateCredential()]),
  );
  const tlsDecision = await ensureSelfSignedTls(name, frontDoorHosts(storefront(2)), {}, new Date());
  const tls = { ...tlsDecision.material, notAfter: tlsDecision.notAfter.toISOString() };
  const chartDir = (replicas: number) => {
    const d = join(dir, `chart-${replicas}`);
    mkdirSync(join(d, 'templates'), { recursive: true });
    writeFileSync(join(d, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
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
  for (const ns of [nsCli, nsHelm]) execFileSync(cluster.kubectl, ['create', 'namespace', ns], { env });
  return {
    count: charts[2].count,
    namespaces: [nsCli, nsHelm],
    storefront: (replicas) =>
      timed(
        'storefront upgrade --install',
        process.execPath,
        [STOREFRONT_BIN, 'upgrade', name, '--install', '-f', specFile(replicas), '-n', nsCli],
        env,
      ),
    helm: (replicas) =>
      timed(
        'helm upgrade --install',
        cluster.helm,
        [
          'upgrade',
          '--install',
          name,
          charts[replicas].dir,
          '-n',
          nsHelm,
          '--kubeconfig',
          cluster.kubeconfig,
        ],
        env,
      ),
  };
}
