/**
 * `npm run bench:app`: throughput of the reference shop against a bare node:http server, on loopback,
 * with private Postgres and Redis (the same helpers the tests use). Each case runs 10 s after a 2 s
 * warm-up; servers run in their own processes so the load generator does not share their event loop.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import pg from 'pg';
import { freePort, waitFor } from '../test/app/support/ports.ts';
import { startPostgres } from '../test/app/support/postgres.ts';
import { startRedis } from '../test/app/support/redis.ts';

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const MAIN = fileURLToPath(new URL('../app/src/main.ts', import.meta.url));
const SEED = fileURLToPath(new URL('../app/src/seed-main.ts', import.meta.url));
const HELLO = fileURLToPath(new URL('./app-hello.ts', import.meta.url));
const EXPRESS_HELLO = fileURLToPath(new URL('./app-express-hello.ts', import.meta.url));

const children: ChildProcess[] = [];

function spawnNode(script: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function runToEnd(script: string, args: string[], env: Record<string, string>) {
  const child = spawnNode(script, args, env);
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${script} ${args.join(' ')} exited with ${code}`);
}

/** Starts `script` on a free port; `probe` is fetched on METRICS_PORT when `ops` (the shop), else on PORT. */
async function startServer(
  script: string,
  env: Record<string, string>,
  probe: string,
  ops = false,
): Promise<string> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawnNode(script, [], { ...env, PORT: String(port), METRICS_PORT: String(metricsPort) });
  const url = `http://127.0.0.1:${port}`;
  const probeUrl = `http://127.0.0.1:${ops ? metricsPort : port}${probe}`;
  await waitFor(`${script} on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    return (await fetch(probeUrl)).ok || undefined;
  });
  return url;
}

async function stopChildren() {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill('SIGTERM');
  await Promise.all(running.map((c) => once(c, 'exit')));
}

interface Row {
  name: string;
  result: Awaited<ReturnType<typeof autocannon>>;
}

/**
 * autocannon options for checkouts against `url`: each request has its own idempotency key
 * (`keyPrefix-N`, so none is a replay) and orders one unit of `productOf(N)`.
 */
function checkouts(
  url: string,
  keyPrefix: string,
  productOf: (n: number) => unknown,
): Parameters<typeof autocannon>[0] {
  let n = 0;
  return {
    url,
    requests: [
      {
        method: 'POST',
        path: '/api/orders',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          const i = n++;
          return {
            ...req,
            headers: { ...req.headers, 'idempotency-key': `${keyPrefix}-${i}` },
            body: JSON.stringify({
              items: [{ productId: productOf(i), quantity: 1 }],
              email: 'bench@example.com',
            }),
          };
        },
      },
    ],
  };
}

async function measure(name: string, options: Parameters<typeof autocannon>[0]): Promise<Row> {
  await autocannon({ ...options, connections: CONNECTIONS, duration: WARMUP });
  const result = await autocannon({ ...options, connections: CONNECTIONS, duration: DURATION });
  const row = { name, result };
  console.error(`  measured ${name}: ${Math.round(result.requests.average)} req/s`);
  return row;
}

function table(rows: Row[]) {
  const bare = rows[0]!.result.requests.average;
  const framework = rows[1]!.result.requests.average;
  const lines = [
    '| case | req/s (mean) | p50 ms | p99 ms | vs bare node:http | vs Express hello | non-2xx (304s expected in the revalidation row) | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { name, result } of rows) {
    lines.push(
      `| ${name} | ${Math.round(result.requests.average).toLocaleString('en-US')} | ${result.latency.p50} | ${result.latency.p99} | ${((result.requests.average / bare) * 100).toFixed(1)}% | ${(result.requests.average / framework).toFixed(2)} | ${result.non2xx} | ${result.errors + result.timeouts} |`,
    );
  }
  return lines.join('\n');
}

/**
 * The cached list against Express hello world in alternating short rounds (A B A B …), so that
 * load from other work on a shared machine hits both alike; the median of the per-round ratios is
 * the figure that means something there. The long single runs above stay in the table.
 */
async function pairedRounds(expressUrl: string, listUrl: string, rounds: number, seconds: number) {
  const ratios: number[] = [];
  const p99s: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const base = await autocannon({ url: expressUrl, connections: CONNECTIONS, duration: seconds });
    const list = await autocannon({ url: listUrl, connections: CONNECTIONS, duration: seconds });
    ratios.push(list.requests.average / base.requests.average);
    p99s.push(list.latency.p99);
    console.error(
      `  round ${i + 1}: Express ${Math.round(base.requests.average)} req/s, list ${Math.round(list.requests.average)} req/s (p99 ${list.latency.p99} ms), ratio ${ratios[i]!.toFixed(3)}`,
    );
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ratios, p99s, medianRatio: median(ratios), medianP99: median(p99s) };
}

/**
 * The checkout floor: the same order transaction (the shop's own Checkout use case and repository,
 * cache invalidation included) called in this process with no HTTP, CONNECTIONS callers in a loop
 * for DURATION seconds, against the same Postgres and Redis.
 */
async function checkoutFloor(env: Record<string, string>, productId: number, runId: string) {
  const { loadConfig } = await import('../app/src/config/config.ts');
  const { createServices } = await import('../app/src/server/server.ts');
  const services = await createServices(loadConfig({ ...env, LOG_LEVEL: 'warn' }));
  // As a served replica would be: connected to Redis before the first order (its invalidations).
  if (services.redis && services.redis.status !== 'ready') await once(services.redis, 'ready');
  let n = 0;
  let orders = 0;
  let failures = 0;
  const latencies: number[] = [];
  const run = async (seconds: number, record: boolean) => {
    const until = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CONNECTIONS }, async () => {
        while (performance.now() < until) {
          const start = performance.now();
          try {
            await services.checkout.placeOrder(`floor-${runId}-${n++}`, {
              items: [{ productId, quantity: 1 }],
              email: 'bench@example.com',
            });
            if (record) {
              orders++;
              latencies.push(performance.now() - start);
            }
          } catch {
            failures++;
          }
        }
      }),
    );
  };
  await run(WARMUP, false);
  await run(DURATION, true);
  await services.pool.end();
  await services.healthPool.end();
  services.redis?.disconnect();
  latencies.sort((x, y) => x - y);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { perSecond: orders / DURATION, p50: pct(0.5), p99: pct(0.99), failures };
}

async function main() {
  const cpu = cpus();
  console.log(`# Storefront app benchmark — ${new Date().toISOString()}`);
  console.log(
    `machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Node ${process.version}; ` +
      `load average at start ${loadavg()[0]!.toFixed(2)}; autocannon ${CONNECTIONS} connections, ${DURATION} s per case after ${WARMUP} s warm-up; loopback only; LOG_LEVEL=warn`,
  );
  const db = await startPostgres();
  const redis = await startRedis();
  try {
    const base = { DATABASE_URL: db.url, LOG_LEVEL: 'warn', ADMIN_TOKEN: 'bench-admin-token-0123456789' };
    await runToEnd(MAIN, ['migrate'], base);
    await runToEnd(SEED, [], base);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    // A product that cannot run out during the checkout case.
    const { rows } = await client.query(
      `INSERT INTO products (sku, name, price_cents, stock) VALUES ('BENCH-BOTTOMLESS', 'Bench item', 100, 100000000) RETURNING id`,
    );
    const productId = rows[0].id as number;
    // The seeded catalog gets deep stock too, for the case that spreads orders over many rows.
    const { rows: seeded } = await client.query(
      `UPDATE products SET stock = 10000000 WHERE sku <> 'BENCH-BOTTOMLESS' RETURNING id`,
    );
    const spread = seeded.map((r) => r.id as number);
    await client.end();

    const hello = await startServer(HELLO, {}, '/');
    const expressHello = await startServer(EXPRESS_HELLO, {}, '/');
    const cached = await startServer(MAIN, { ...base, REDIS_URL: redis.url }, '/readyz', true);
    const uncached = await startServer(MAIN, base, '/readyz', true);

    const results: Row[] = [];
    results.push(await measure('bare node:http hello world', { url: `${hello}/` }));
    results.push(await measure('Express 5 hello world', { url: `${expressHello}/` }));
    results.push(await measure('GET /api/products (cache)', { url: `${cached}/api/products` }));
    results.push(await measure('GET /api/products/:id (cache)', { url: `${cached}/api/products/1` }));
    results.push(
      await measure('GET /api/products with If-None-Match (304)', {
        url: `${cached}/api/products`,
        headers: { 'if-none-match': (await fetch(`${cached}/api/products`)).headers.get('etag') ?? '' },
      }),
    );
    results.push(
      await measure('GET /api/products (no cache, Postgres)', { url: `${uncached}/api/products` }),
    );
    const runId = Date.now().toString(36);
    results.push(
      await measure(
        'POST /api/orders (checkout, 1 item)',
        checkouts(cached, `bench-${runId}`, () => productId),
      ),
    );
    results.push(
      await measure(
        'POST /api/orders (checkout, 12 products)',
        checkouts(cached, `bench-spread-${runId}`, (i) => spread[i % spread.length]!),
      ),
    );
    const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
    console.error(`  paired rounds: ${ROUNDS} × (Express hello, cached list), 3 s each`);
    const paired = await pairedRounds(`${expressHello}/`, `${cached}/api/products`, ROUNDS, 3);
    console.error('  measuring the checkout floor (no HTTP)');
    const floor = await checkoutFloor({ ...base, REDIS_URL: redis.url }, productId, runId);
    console.log('');
    console.log(table(results));
    const row = (name: string) => results.find((r) => r.name === name)!.result;
    const list = row('GET /api/products (cache)');
    const express = row('Express 5 hello world');
    const checkout = row('POST /api/orders (checkout, 1 item)');
    const listRatio = list.requests.average / express.requests.average;
    const checkoutRatio = checkout.requests.average / floor.perSecond;
    console.log(
      `\ncheckout floor (same transaction through the Checkout use case and pg, no HTTP, ${CONNECTIONS} callers): ` +
        `${Math.round(floor.perSecond).toLocaleString('en-US')} orders/s, p50 ${floor.p50.toFixed(1)} ms, p99 ${floor.p99.toFixed(1)} ms, ${floor.failures} failures`,
    );
    const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');
    console.log(
      `paired rounds (Express hello, cached list alternating, 3 s each, ${CONNECTIONS} connections): ratios ${paired.ratios
        .map((r) => r.toFixed(3))
        .join(
          ', ',
        )}; median ${paired.medianRatio.toFixed(3)} (target >= 0.6: ${verdict(paired.medianRatio >= 0.6)}); ` +
        `list p99 per round ${paired.p99s.join(', ')} ms, median ${paired.medianP99} ms (target <= 25: ${verdict(paired.medianP99 <= 25)})`,
    );
    console.log(
      `cached list / Express hello = ${listRatio.toFixed(3)} (target >= 0.6: ${verdict(listRatio >= 0.6)}); ` +
        `cached list p99 = ${list.latency.p99} ms (target <= 25: ${verdict(list.latency.p99 <= 25)}); ` +
        `checkout / floor = ${checkoutRatio.toFixed(3)} (target >= 0.5: ${verdict(checkoutRatio >= 0.5)})`,
    );
    console.log(
      `\nload average after the run (1/5/15 min): ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')} on ${cpus().length} cores`,
    );
    // Stop the servers (they drain in-flight requests) before counting, so the check is exact.
    await stopChildren();
    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    const { rows: sanity } = await check.query(
      `SELECT (SELECT count(*)::int FROM orders) AS orders,
              (SELECT sum(quantity)::int FROM order_items) AS units,
              (SELECT sum(stock)::bigint FROM products) AS stock`,
    );
    await check.end();
    console.log(
      `\ncheckout sanity: ${sanity[0].orders} orders / ${sanity[0].units} units committed; ` +
        `stock left ${sanity[0].stock} = ${100_000_000 + 12 * 10_000_000} − ${100_000_000 + 12 * 10_000_000 - Number(sanity[0].stock)} (must equal units)`,
    );
  } finally {
    await stopChildren();
    await redis.destroy();
    await db.destroy();
  }
}

main().catch((err: Error) => {
  console.error(`bench:app failed: ${err.stack ?? err.message}`);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  process.exit(1);
});
