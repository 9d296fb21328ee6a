// npm run bench:operator — converges 1, 100 and 1,000 Storefronts on the local control plane and
// prints time to all-Ready, API requests per Storefront (reads and writes), writes during a no-op
// resync, and the operator's peak memory. Sizes: BENCH_SIZES=1,100,1000 (default).
import { writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../operator/controller/logger.ts';
import { startOperator } from '../operator/controller/operator.ts';
import { auditMark, countAuditWrites } from '../test/cluster/audit.ts';
import { ensureCluster, kubectl, kubectlAsync } from '../test/cluster/harness.ts';
import { defaultStateDir } from '../test/cluster/paths.ts';
import { installCrds } from '../test/cluster/third-party-crds.ts';
import { clusterCpuSeconds, cpuSplit } from './cluster-cpu.ts';
import { machineLine } from './machine.ts';

const ROOT = join(import.meta.dirname, '..');
const sizes = (process.env.BENCH_SIZES ?? '1,100,1000').split(',').map(Number);
const largest = Math.max(...sizes);

// Enough fake capacity for ~5 pods per Storefront (2 app, Postgres, Redis, the migration Job).
const nodes = Math.max(3, Math.ceil((largest * 5) / 1000));
const cluster = await ensureCluster({
  stateDir: defaultStateDir('bench'),
  nodes,
  podsPerNode: 1100,
  cpuPerNode: '1000',
  memoryPerNode: '4Ti',
});
process.env.KUBECONFIG = cluster.kubeconfig;
installCrds(cluster, [join(ROOT, 'crds/storefront.dev_storefronts.yaml')]);

const op = await startOperator({
  kubeconfig: cluster.kubeconfig,
  concurrency: 8,
  leaderElection: false,
  healthPort: 0,
  resyncMs: 600_000,
  qps: 200,
  burst: 400,
  logger: createLogger({ level: 'warn' }),
});

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 250);

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
const writes = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([verb]) => ['create', 'update', 'patch', 'apply', 'delete', 'deletecollection'].includes(verb))
    .reduce((a, [, n]) => a + n, 0);

console.log(`bench:operator | ${machineLine()}`);
console.log(`local control plane: ${nodes} kwok nodes, operator concurrency 8, client QPS 200`);

/** One line on stderr every 30 s while converging: how many are Ready and why the rest are not. */
function progress(
  n: number,
  t0: number,
  conditions: ({ status: string; reason?: string } | undefined)[],
  queued: number,
  inFlight: number,
) {
  const reasons = new Map<string, number>();
  for (const c of conditions) {
    if (c?.status === 'True') continue;
    const reason = c?.reason ?? 'not yet reconciled';
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const waiting = [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ');
  const elapsed = ((performance.now() - t0) / 1000).toFixed(0);
  const ready = conditions.filter((c) => c?.status === 'True').length;
  console.error(
    `  ${n}: ${elapsed} s, ${ready} Ready; waiting: ${waiting || '-'}; queue ${queued}, in flight ${inFlight}`,
  );
}
for (const n of sizes) {
  const ns = `bench-${n}-${Date.now().toString(36)}`;
  kubectl(cluster, ['create', 'namespace', ns]);
  const docs = Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      apiVersion: 'storefront.dev/v1alpha1',
      kind: 'Storefront',
      metadata: { name: `s${i}`, namespace: ns },
      spec: { host: `s${i}.bench.example.com` },
    }),
  ).join('\n');
  const file = join(tmpdir(), `${ns}.json`);
  writeFileSync(file, docs);
  const before = { ...op.client.requestCounts() };
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const auditBefore = auditMark(cluster.auditLogPath);
  const cpuBefore = clusterCpuSeconds(cluster.stateDir);
  const operatorCpuBefore = process.cpuUsage();
  // Everything below that talks to the cluster is asynchronous: the operator runs in this process,
  // and a synchronous kubectl would freeze it for as long as the call takes.
  await kubectlAsync(cluster, ['apply', '--server-side', '-f', file]);
  let ready = 0;
  let lastProgress = performance.now();
  while (ready < n) {
    // Listing 1,000 Storefronts is itself work for the API server: poll less often for large runs.
    await new Promise((r) => setTimeout(r, Math.max(2000, n * 5)));
    const list = JSON.parse(await kubectlAsync(cluster, ['get', 'storefronts', '-n', ns, '-o', 'json'])) as {
      items: { status?: { conditions?: { type: string; status: string; reason?: string }[] } }[];
    };
    const readyConditions = list.items.map((s) => s.status?.conditions?.find((c) => c.type === 'Ready'));
    ready = readyConditions.filter((c) => c?.status === 'True').length;
    if (performance.now() - lastProgress > 30_000) {
      lastProgress = performance.now();
      progress(n, t0, readyConditions, op.queue.len(), op.queue.inFlight());
    }
    if (performance.now() - t0 > 60 * 60_000)
      throw new Error(`${n} Storefronts: only ${ready} Ready after an hour`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = clusterCpuSeconds(cluster.stateDir);
  const operatorCpu = process.cpuUsage(operatorCpuBefore);
  const after = op.client.requestCounts();
  const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  // A no-op resync of everything: every key again, nothing changed, so nothing may be written.
  const beforeResync = { ...op.client.requestCounts() };
  const resyncStart = performance.now();
  for (let i = 0; i < n; i++) op.queue.add(`${ns}/s${i}`);
  await new Promise((r) => setTimeout(r, 100));
  while (op.queue.len() > 0 || op.queue.inFlight() > 0) await new Promise((r) => setTimeout(r, 100));
  const resyncSeconds = (performance.now() - resyncStart) / 1000;
  const resync = Object.fromEntries(
    Object.entries(op.client.requestCounts()).map(([k, v]) => [k, v - (beforeResync[k] ?? 0)]),
  );
  const row = `${String(n).padStart(5)} Storefronts: all Ready in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(2)}/s); ${(total(diff) / n).toFixed(1)} API requests per Storefront (${(writes(diff) / n).toFixed(1)} writes); no-op resync of all: ${writes(resync)} writes, ${total(resync)} requests in ${resyncSeconds.toFixed(1)} s; RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`;
  console.log(row);
  // Time to Ready on one machine is bounded by the simulated cluster as much as by the operator:
  // print who spent the CPU and who wrote to the API server while these Storefronts converged.
  const clusterWrites = await countAuditWrites({
    auditLogPath: cluster.auditLogPath,
    sinceOffset: auditBefore,
  });
  const cpuLine = `       CPU while converging (${(seconds * cpus().length).toFixed(0)} core-seconds available): ${cpuSplit(cpuBefore, cpuAfter)}, operator process ${((operatorCpu.user + operatorCpu.system) / 1e6).toFixed(0)} s`;
  const writeLine = `       API writes while converging: ${clusterWrites} in all, ${writes(diff)} by the operator (${((100 * writes(diff)) / clusterWrites).toFixed(0)} %); the rest by the controllers, scheduler, kwok, the provisioner and kubectl apply`;
  console.log(cpuLine);
  console.log(writeLine);
}
clearInterval(sampler);
console.log(
  `operator process peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB (operator, informer caches and this benchmark driver in one process)`,
);
await op.stop();
console.log(
  `the bench cluster keeps running for inspection: KUBECONFIG=${cluster.kubeconfig}; stop it with STOREFRONT_CLUSTER_STATE_DIR=${cluster.stateDir} npm run cluster:down`,
);
