// npm run bench:operator — converges 1, 100 and 1,000 Storefronts on the local control plane and
// prints time to all-Ready, API requests per Storefront (reads and writes), writes during a no-op
// resync, and the operator's peak memory. Sizes: BENCH_SIZES=1,100,1000 (default).
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../operator/controller/logger.ts';
import { startOperator } from '../operator/controller/operator.ts';
import { ensureCluster, kubectl } from '../test/cluster/harness.ts';
import { defaultStateDir } from '../test/cluster/paths.ts';
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
kubectl(cluster, [
  'apply',
  '--server-side',
  '--force-conflicts',
  '-f',
  join(ROOT, 'crds/storefront.dev_storefronts.yaml'),
]);
kubectl(cluster, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/storefronts.storefront.dev']);

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
const rows: string[] = [];
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
  kubectl(cluster, ['apply', '--server-side', '-f', file]);
  let ready = 0;
  while (ready < n) {
    await new Promise((r) => setTimeout(r, 2000));
    const list = JSON.parse(kubectl(cluster, ['get', 'storefronts', '-n', ns, '-o', 'json'])) as {
      items: { status?: { conditions?: { type: string; status: string }[] } }[];
    };
    ready = list.items.filter((s) =>
      s.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    ).length;
    if (performance.now() - t0 > 60 * 60_000)
      throw new Error(`${n} Storefronts: only ${ready} Ready after an hour`);
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = op.client.requestCounts();
  const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  // A no-op resync of everything: every key again, nothing changed, so nothing may be written.
  const beforeResync = { ...op.client.requestCounts() };
  for (let i = 0; i < n; i++) op.queue.add(`${ns}/s${i}`);
  await new Promise((r) => setTimeout(r, 1000));
  while (op.queue.len() > 0 || op.queue.inFlight() > 0) await new Promise((r) => setTimeout(r, 500));
  const resync = Object.fromEntries(
    Object.entries(op.client.requestCounts()).map(([k, v]) => [k, v - (beforeResync[k] ?? 0)]),
  );
  const row = `${String(n).padStart(5)} Storefronts: all Ready in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(2)}/s); ${(total(diff) / n).toFixed(1)} API requests per Storefront (${(writes(diff) / n).toFixed(1)} writes); no-op resync of all: ${writes(resync)} writes, ${total(resync)} requests; RSS ${(rssBefore / 2 ** 20).toFixed(0)} -> ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`;
  console.log(row);
  rows.push(row);
}
clearInterval(sampler);
console.log(
  `operator process peak RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB (operator, informer caches and this benchmark driver in one process)`,
);
await op.stop();
console.log(
  `the bench cluster keeps running for inspection: KUBECONFIG=${cluster.kubeconfig}; stop it with STOREFRONT_CLUSTER_STATE_DIR=${cluster.stateDir} npm run cluster:down`,
);
