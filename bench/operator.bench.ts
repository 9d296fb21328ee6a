// npm run bench:operator — the operator at scale, measured against the cluster's own floor.
//
// The operator runs in its own process, started as the image starts it (operator-process.ts); this
// driver creates Storefronts and polls. Per size N it measures the time until all N are Ready, the
// operator's CPU (from /proc) and API writes (from its /metrics) per Storefront, its memory, and a
// no-op resync: a fresh operator process re-reconciling every Storefront must write nothing. Then,
// with the operator stopped, the floor: the same rendered objects applied straight with
// server-side apply (operator-floor.ts), timed to the same readiness, each size on a fresh bench
// cluster. The operator runs use the bench cluster as they find it: an existing one keeps an earlier
// run's Storefronts (`npm run cluster:down -- --wipe` for a fresh start); later sizes find the
// earlier ones' objects.
// Before the floors, at the largest size, the operator's memory before and after 1,000 unrelated
// 100 KB Secrets and ConfigMaps appear in its watched namespace, half of them labelled like ours
// but owned by no Storefront.
//
// Sizes: --sizes=100,1000 or BENCH_SIZES (default 100,1000). BENCH_CONCURRENCY (default 8) sets the
// operator's --concurrency and the floor's parallel Storefronts alike. BENCH_FLOOR=0 skips the floor runs
// (profiling); BENCH_OPERATOR=0 runs the floors alone. BENCH_OPERATOR_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" adds node flags to
// the operator process. Cluster: $STOREFRONT_CLUSTER_STATE_DIR, else <cache>/state/bench, started
// with the scale flags of test/cluster/components.ts (scaleFlags).
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { KubeObject } from '../operator/core/object.ts';
import { createKubeClient, type KubeClient } from '../operator/kube/client.ts';
import { ensureCluster, stopCluster } from '../test/cluster/harness.ts';
import { defaultStateDir } from '../test/cluster/paths.ts';
import { installCrds } from '../test/cluster/third-party-crds.ts';
import { clusterCpuSeconds, cpuSplit } from './cluster-cpu.ts';
import { machineLine } from './machine.ts';
import { applyFleet, benchStorefront, floorReady, renderFleet } from './operator-floor.ts';
import { imageCommand, mib, OperatorProcess, threadCpuSplit } from './operator-process.ts';

const ROOT = join(import.meta.dirname, '..');
const { values: flags } = parseArgs({ options: { sizes: { type: 'string' } } });
const sizes = (flags.sizes ?? process.env.BENCH_SIZES ?? '100,1000').split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1))
  throw new Error(`--sizes: positive integers, got ${sizes}`);
const withFloor = process.env.BENCH_FLOOR !== '0';
const withOperator = process.env.BENCH_OPERATOR !== '0';
const largest = Math.max(...sizes);
// The operator's --concurrency and the floor's parallel Storefronts (BENCH_CONCURRENCY, default 8).
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const QPS = 200;
const BURST = 400;

const load = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secondsSince = (t0: number) => (performance.now() - t0) / 1000;

// Enough fake capacity for ~5 pods per Storefront (2 app, Postgres, Redis, the migration Job).
const nodes = Math.max(3, Math.ceil((largest * 5) / 1000));
const clusterOptions = {
  stateDir: defaultStateDir('bench'),
  nodes,
  podsPerNode: 1100,
  cpuPerNode: '1000',
  memoryPerNode: '4Ti',
  scale: true,
};
let cluster = await ensureCluster(clusterOptions);
installCrds(cluster, [join(ROOT, 'crds/storefront.dev_storefronts.yaml')]);
let client = createKubeClient({ kubeconfig: cluster.kubeconfig, qps: 0 });
const logFile = join(cluster.logDir, 'bench-operator.log');

console.log(`bench:operator | ${machineLine()} | ${load()}`);
console.log(
  `local control plane in ${cluster.stateDir}: ${nodes} kwok nodes, scale flags (controller-manager and scheduler QPS 5000, burst 10000, as kwokctl --disable-qps-limits; 20 workers per workload controller); operator: its own process (the image's command: ${imageCommand().join(' ')}; NODE_ENV=production, LOG_LEVEL info), concurrency ${CONCURRENCY}, QPS ${QPS}, burst ${BURST}; log ${logFile}`,
);

const nodeFlags = (process.env.BENCH_OPERATOR_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const startOperator = () =>
  OperatorProcess.start({
    kubeconfig: cluster.kubeconfig,
    logFile,
    concurrency: CONCURRENCY,
    qps: QPS,
    burst: BURST,
    nodeFlags,
  });

/** `apply 20.1, get 3.0, ...`: the growth of each counter between two readings, per Storefront, largest first. */
function perStorefront(before: Record<string, number>, after: Record<string, number>, n: number): string {
  return Object.entries(after)
    .map(([k, v]) => [k, (v - (before[k] ?? 0)) / n] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v.toFixed(1)}`)
    .join(', ');
}

/** Control-plane CPU while nothing of ours runs, in cores: the background each timed run starts on. */
async function idleCores(seconds = 10): Promise<string> {
  const before = clusterCpuSeconds(cluster.stateDir);
  await sleep(seconds * 1000);
  const after = clusterCpuSeconds(cluster.stateDir);
  const used = Object.entries(after).reduce((a, [k, v]) => a + v - (before[k] ?? 0), 0);
  return `control plane at rest ${(used / seconds).toFixed(2)} cores`;
}

async function createNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${Date.now().toString(36)}`;
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  return ns;
}

/** Runs `fn` over 0..n-1, `parallel` at a time. */
async function forEach(n: number, parallel: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

type Conditions = { status?: { conditions?: { type: string; status: string; reason?: string }[] } };

/** One line on stderr: how many are Ready and why the rest are not. */
function progress(label: string, t0: number, ready: number, reasons: Map<string, number>, extra = '') {
  const waiting = [...reasons].map(([reason, count]) => `${reason} ${count}`).join(', ');
  console.error(
    `  ${label}: ${secondsSince(t0).toFixed(0)} s, ${ready} Ready; waiting: ${waiting || '-'}${extra} | ${load()}`,
  );
}

/** Polls until `count()` reaches n; returns seconds from t0. */
async function untilReady(
  label: string,
  n: number,
  t0: number,
  count: () => Promise<{ ready: number; reasons?: Map<string, number> }>,
  extra: () => Promise<string> = async () => '',
): Promise<number> {
  let lastProgress = performance.now();
  for (;;) {
    // Listing 1,000 objects is itself work for the API server: poll less often for large runs.
    await sleep(Math.max(2000, n * 5));
    const { ready, reasons } = await count();
    if (ready >= n) return secondsSince(t0);
    if (performance.now() - lastProgress > 30_000) {
      lastProgress = performance.now();
      progress(label, t0, ready, reasons ?? new Map(), await extra());
    }
    if (secondsSince(t0) > 3600) throw new Error(`${label}: only ${ready} of ${n} Ready after an hour`);
  }
}

async function storefrontsReady(ns: string) {
  const { items } = await client.list<KubeObject & Conditions>({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    namespace: ns,
  });
  const reasons = new Map<string, number>();
  let ready = 0;
  for (const sf of items) {
    const c = sf.status?.conditions?.find((x) => x.type === 'Ready');
    if (c?.status === 'True') ready++;
    else
      reasons.set(
        c?.reason ?? 'not yet reconciled',
        (reasons.get(c?.reason ?? 'not yet reconciled') ?? 0) + 1,
      );
  }
  return { ready, reasons };
}

/** A fresh operator re-reconciles everything it finds: waits until it has, returns its writes. */
async function noOpResync(op: OperatorProcess, storefronts: number) {
  const t0 = performance.now();
  let last = -1;
  let stableSince = performance.now();
  for (;;) {
    await sleep(1000);
    const c = await op.counters();
    if (c.reconciles !== last) {
      last = c.reconciles;
      stableSince = performance.now();
    }
    if (c.reconciles >= storefronts && c.queueDepth === 0 && performance.now() - stableSince > 3000) {
      const requests = Object.values(c.requests).reduce((a, b) => a + b, 0);
      return { writes: c.writes, requests, reconciles: c.reconciles, seconds: secondsSince(t0) - 3 };
    }
    if (secondsSince(t0) > 900) throw new Error(`no-op resync: ${c.reconciles} reconciles after 15 min`);
  }
}

interface Row {
  n: number;
  ready: number;
  floor?: number;
  cpuMsPer: number;
  idleRss: number;
  peakRss: number;
  writesPer: number;
}
const rows: Row[] = [];

if (withOperator) {
  let op = await startOperator();
  console.log(`operator started (pid ${op.pid}); ${await idleCores()}`);
  await sleep(10_000);
  const idle = op.stats();
  console.log(
    `operator idle (CRD installed, no Storefronts, informers synced): RSS ${mib(idle.rss).toFixed(1)} MiB`,
  );
  let total = 0;
  let lastNs = '';

  for (const n of sizes) {
    const ns = await createNamespace(`op-${n}`);
    lastNs = ns;
    console.log(`N=${n}: ${await idleCores()}; ${load()}`);
    const before = op.stats();
    const threads0 = op.threads();
    const c0 = await op.counters();
    const cpu0 = clusterCpuSeconds(cluster.stateDir);
    const t0 = performance.now();
    await forEach(n, 8, (i) =>
      client.apply(benchStorefront(ns, i) as KubeObject, { fieldManager: 'bench-driver', force: true }),
    );
    const seconds = await untilReady(
      `operator N=${n}`,
      n,
      t0,
      () => storefrontsReady(ns),
      async () => {
        const s = op.stats();
        return `; operator RSS ${mib(s.rss).toFixed(0)} MiB, CPU ${((s.cpuMs - before.cpuMs) / 1000).toFixed(0)} s`;
      },
    );
    const after = op.stats();
    const threads1 = op.threads();
    const c1 = await op.counters();
    const cpu1 = clusterCpuSeconds(cluster.stateDir);
    total += n;
    const cpuMs = after.cpuMs - before.cpuMs;
    const requests = Object.entries(c1.requests).reduce((a, [k, v]) => a + v - (c0.requests[k] ?? 0), 0);
    const writes = c1.writes - c0.writes;
    const reconciles = c1.reconciles - c0.reconciles;
    const watchEvents = c1.watchEvents - c0.watchEvents;
    await sleep(15_000);
    const settled = op.stats();
    console.log(
      `N=${n} operator: all Ready in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(2)}/s); operator CPU ${(cpuMs / 1000).toFixed(1)} s = ${(cpuMs / n).toFixed(1)} ms/Storefront; ${(requests / n).toFixed(1)} API requests, ${(writes / n).toFixed(1)} writes, ${(reconciles / n).toFixed(1)} reconciles and ${(watchEvents / n).toFixed(1)} watch events per Storefront; RSS ${mib(before.rss).toFixed(0)} -> ${mib(after.rss).toFixed(0)} MiB at all-Ready, ${mib(settled.rss).toFixed(0)} MiB 15 s later, peak (VmHWM) ${mib(after.peakRss).toFixed(0)} MiB`,
    );
    console.log(
      `       CPU while converging (${(seconds * cpus().length).toFixed(0)} core-seconds available): ${cpuSplit(cpu0, cpu1)}, operator ${(cpuMs / 1000).toFixed(0)} s`,
    );
    console.log(`       operator CPU by thread: ${threadCpuSplit(threads0, threads1)}`);
    console.log(
      `       per Storefront, API requests by verb: ${perStorefront(c0.requests, c1.requests, n)}; watch events by kind: ${perStorefront(c0.watchEventsByKind, c1.watchEventsByKind, n)}`,
    );
    // No-op resync: a new operator process lists everything and reconciles every Storefront again.
    await op.stop();
    op = await startOperator();
    const resync = await noOpResync(op, total);
    const resynced = op.stats();
    // Long enough for IdleGc (operator/controller/idle-gc.ts: two idle checks 5 s apart) to run.
    await sleep(15_000);
    const resyncSettled = op.stats();
    console.log(
      `N=${n} no-op resync (fresh operator process, ${total} Storefronts): ${resync.writes} writes, ${resync.requests} requests, ${resync.reconciles} reconciles in ${resync.seconds.toFixed(1)} s; RSS then ${mib(resynced.rss).toFixed(0)} MiB, 15 s later ${mib(resyncSettled.rss).toFixed(0)} MiB, peak ${mib(resyncSettled.peakRss).toFixed(0)} MiB`,
    );
    if (resync.writes !== 0) console.log(`N=${n}: NO-OP RESYNC WROTE ${resync.writes} TIMES (must be 0)`);
    rows.push({
      n,
      ready: seconds,
      cpuMsPer: cpuMs / n,
      idleRss: idle.rss,
      peakRss: after.peakRss,
      writesPer: writes / n,
    });
  }

  // Unrelated objects in the watched namespace: 500 Secrets and 500 ConfigMaps of 100 KB each, half of
  // each labelled like a Storefront's children (managed-by + storefront label) but owned by nobody.
  {
    await sleep(10_000);
    const before = op.stats();
    const heapBefore = (await op.counters()).heapUsed;
    const payload = 'x'.repeat(100 * 1024);
    const labels = { 'app.kubernetes.io/managed-by': 'storefront', 'storefront.dev/storefront': 's0' };
    const unrelated = (i: number): KubeObject => {
      const kind = i % 2 ? 'ConfigMap' : 'Secret';
      const meta = { name: `unrelated-${i}`, namespace: lastNs, ...(i % 4 < 2 ? { labels } : {}) };
      return kind === 'Secret'
        ? { apiVersion: 'v1', kind, metadata: meta, type: 'Opaque', stringData: { blob: payload } }
        : { apiVersion: 'v1', kind, metadata: meta, data: { blob: payload } };
    };
    await forEach(1000, 8, (i) => client.create(unrelated(i)));
    await sleep(20_000);
    const after = op.stats();
    const heapAfter = (await op.counters()).heapUsed;
    console.log(
      `1,000 unrelated 100 KB Secrets/ConfigMaps (500 labelled like ours, no owner) in ${lastNs}: operator RSS ${mib(before.rss).toFixed(1)} -> ${mib(after.rss).toFixed(1)} MiB (${after.rss >= before.rss ? '+' : ''}${mib(after.rss - before.rss).toFixed(1)} MiB), V8 heap used ${mib(heapBefore).toFixed(1)} -> ${mib(heapAfter).toFixed(1)} MiB, peak ${mib(after.peakRss).toFixed(0)} MiB`,
    );
    await forEach(1000, 8, (i) =>
      client.delete({ ...refKind(i), namespace: lastNs, name: `unrelated-${i}` }),
    );
  }
  function refKind(i: number) {
    return { apiVersion: 'v1', kind: i % 2 ? 'ConfigMap' : 'Secret' };
  }
  await op.stop();
} else {
  // BENCH_OPERATOR=0: the floors alone (their rows print no operator figures).
  for (const n of sizes)
    rows.push({
      n,
      ready: Number.NaN,
      cpuMsPer: Number.NaN,
      idleRss: Number.NaN,
      peakRss: Number.NaN,
      writesPer: Number.NaN,
    });
}

if (withFloor) {
  for (const row of rows) {
    const { n } = row;
    // Each floor on a fresh cluster, as the first operator run had: on the operator's cluster it
    // would share the API server, controller-manager and kwok with every Storefront created before
    // (thousands of pods), and the ratio would flatter the operator.
    await stopCluster({ stateDir: cluster.stateDir, wipe: true });
    cluster = await ensureCluster(clusterOptions);
    client = createKubeClient({ kubeconfig: cluster.kubeconfig, qps: 0 });
    // The floor: no operator. A client with the operator's rate limit and parallelism applies the same objects.
    const floorClient: KubeClient = createKubeClient({
      kubeconfig: cluster.kubeconfig,
      qps: QPS,
      burst: BURST,
    });
    const ns = await createNamespace(`floor-${n}`);
    const fleet = await renderFleet(ns, n);
    console.log(`N=${n} floor: ${await idleCores()}; ${load()}`);
    const cpu0 = clusterCpuSeconds(cluster.stateDir);
    const t0 = performance.now();
    const applying = applyFleet(floorClient, fleet, CONCURRENCY);
    let applyError: unknown;
    applying.catch((e) => {
      applyError = e;
    });
    row.floor = await untilReady(`floor N=${n}`, n, t0, async () => {
      if (applyError) throw applyError;
      return { ready: await floorReady(client, fleet, ns) };
    });
    await applying;
    const cpu1 = clusterCpuSeconds(cluster.stateDir);
    const objects = fleet.objects.reduce((a, o) => a + o.length, 0);
    console.log(
      `N=${n} floor: ${objects} objects applied with server-side apply, all Ready in ${row.floor.toFixed(1)} s; CPU meanwhile: ${cpuSplit(cpu0, cpu1)}`,
    );
  }
}

console.log(`bench:operator done | ${machineLine()} | ${load()}`);
for (const r of rows) {
  const floor = r.floor === undefined ? 'not run' : `${r.floor.toFixed(1)} s`;
  const ratio = r.floor === undefined ? 'n/a' : (r.ready / r.floor).toFixed(2);
  if (Number.isNaN(r.ready)) {
    console.log(`operator-scale N=${r.n}: operator not run, floor ${floor}`);
    continue;
  }
  console.log(
    `operator-scale N=${r.n}: ready ${r.ready.toFixed(1)} s, floor ${floor}, ratio ${ratio}, operator CPU ${r.cpuMsPer.toFixed(1)} ms/Storefront, RSS idle ${mib(r.idleRss).toFixed(0)} MiB, peak ${mib(r.peakRss).toFixed(0)} MiB, writes/Storefront ${r.writesPer.toFixed(1)}`,
  );
}
console.log(
  `the bench cluster keeps running for inspection: KUBECONFIG=${cluster.kubeconfig}; stop it with STOREFRONT_CLUSTER_STATE_DIR=${cluster.stateDir} npm run cluster:down`,
);
