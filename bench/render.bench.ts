// npm run bench:render — cold import time of the renderer and per-Storefront render time
// (median, p99 over >= 1,000 renders), with a same-run baseline: JSON round-trip of the output.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { machineLine, percentile } from './machine.ts';

const ROOT = join(import.meta.dirname, '..');
const RENDERS = Number(process.env.RENDERS ?? 2000);

// Cold import: a fresh process each time, so module loading is really measured.
const coldImports: number[] = [];
for (let i = 0; i < 5; i++) {
  const out = execFileSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const t=performance.now();await import(${JSON.stringify(join(ROOT, 'operator/render/render.ts'))});console.log(performance.now()-t)`,
    ],
    { encoding: 'utf8' },
  );
  coldImports.push(Number(out.trim()));
}
coldImports.sort((a, b) => a - b);

const { render } = await import('../operator/render/render.ts');
const { parseStorefront } = await import('../operator/api/validate.ts');
const { loadStorefronts } = await import('../operator/cli/load-spec.ts');

const examples = ['minimal', 'production', 'external-services'].map(
  (f) => loadStorefronts(join(ROOT, `examples/${f}.yaml`))[0]!,
);
const inputs = {
  namespace: 'bench',
  credentials: { postgresPassword: 'p', redisPassword: 'r', adminToken: 'a' },
};

// Warm up the JIT, then measure distinct Storefronts (names vary like a real fleet).
for (let i = 0; i < 200; i++) render(examples[i % 3]!, inputs);
const renderTimes: number[] = [];
const baselineTimes: number[] = [];
let objects = 0;
for (let i = 0; i < RENDERS; i++) {
  const base = examples[i % 3]!;
  const sf = parseStorefront({ ...base, metadata: { name: `shop-${i}` } });
  const t0 = performance.now();
  const out = render(sf, inputs);
  const t1 = performance.now();
  JSON.parse(JSON.stringify(out));
  const t2 = performance.now();
  renderTimes.push(t1 - t0);
  baselineTimes.push(t2 - t1);
  objects += out.length;
}
renderTimes.sort((a, b) => a - b);
baselineTimes.sort((a, b) => a - b);
const med = percentile(renderTimes, 50);
const baseMed = percentile(baselineTimes, 50);

console.log(`bench:render | ${machineLine()}`);
console.log(
  `cold import of the renderer: median ${percentile(coldImports, 50).toFixed(0)} ms (5 fresh processes, min ${coldImports[0]!.toFixed(0)} ms)`,
);
console.log(
  `render per Storefront over ${RENDERS} renders (${(objects / RENDERS).toFixed(1)} objects each): median ${med.toFixed(2)} ms, p99 ${percentile(renderTimes, 99).toFixed(2)} ms`,
);
console.log(
  `baseline, JSON round-trip of the same objects: median ${baseMed.toFixed(3)} ms -> render costs ${(med / baseMed).toFixed(1)}x a JSON round-trip`,
);
console.log(`throughput: ${(1000 / med).toFixed(0)} Storefronts/s on one core`);
