import { execFileSync } from 'node:child_process';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { exposedGc, IdleGc } from './idle-gc.ts';
import { createLogger } from './logger.ts';

function idleGc(burst = 100) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    destination: new Writable({
      write(chunk, _e, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    }),
  });
  const state = { reconciles: 0, idle: true, collections: 0 };
  const gc = new IdleGc({
    reconciles: () => state.reconciles,
    idle: () => state.idle,
    logger,
    burst,
    gc: () => {
      state.collections++;
    },
  });
  return { gc, state, lines };
}

describe('IdleGc', () => {
  it('collects once the queue has been idle for two checks after a burst, and logs the heap before and after', () => {
    const { gc, state, lines } = idleGc();
    state.idle = false;
    state.reconciles = 150;
    expect(gc.check()).toBe(false); // busy
    state.idle = true;
    expect(gc.check()).toBe(false); // idle once: the burst may not be over
    expect(gc.check()).toBe(true);
    expect(state.collections).toBe(1);
    const line = lines.find((l) => l.msg === 'collected garbage after a burst of reconciles');
    expect(line).toMatchObject({ reconciles: 150 });
    expect(line?.heapUsedMiB).toHaveLength(2);
    expect(line?.rssMiB).toHaveLength(2);
  });

  it('does not collect again while idle, nor after fewer reconciles than a burst', () => {
    const { gc, state } = idleGc(100);
    state.reconciles = 100;
    expect(gc.check()).toBe(true); // idle since start (a burst of 100 with no check while busy)
    expect(gc.check()).toBe(false);
    expect(state.collections).toBe(1);
    expect(gc.check()).toBe(false);
    state.reconciles = 199; // 99 more: a few Storefronts changing, not a burst
    expect(gc.check()).toBe(false);
    state.reconciles = 200;
    expect(gc.check()).toBe(true);
    expect(state.collections).toBe(2);
  });

  it('does nothing before the burst size is reached', () => {
    const { gc, state } = idleGc(100);
    state.reconciles = 99;
    expect(gc.check()).toBe(false);
    expect(gc.check()).toBe(false);
    expect(state.collections).toBe(0);
  });

  it('without a collector (node not started with --expose-gc) start() sets no timer', async () => {
    const gc = new IdleGc({
      reconciles: () => 1_000,
      idle: () => true,
      logger: createLogger(),
      gc: undefined,
    });
    gc.start();
    expect((gc as unknown as { timer: unknown }).timer).toBeUndefined();
    await gc.stop();
  });

  it('exposedGc() finds globalThis.gc only when node exposes it', () => {
    const had = (globalThis as { gc?: unknown }).gc;
    try {
      let called = 0;
      (globalThis as { gc?: unknown }).gc = () => {
        called++;
      };
      exposedGc()?.();
      expect(called).toBe(1);
      delete (globalThis as { gc?: unknown }).gc;
      expect(exposedGc()).toBeUndefined();
    } finally {
      if (had) (globalThis as { gc?: unknown }).gc = had;
    }
  });
});

describe('exposedGc() on a real heap', () => {
  it('hands a fragmented heap back to the system, not just its garbage to V8', () => {
    // A child node with --expose-gc: one object in ten kept, the rest garbage, so the old
    // generation's pages are fragmented the way a burst of reconciles leaves them.
    const script = `
      import { exposedGc } from ${JSON.stringify(new URL('./idle-gc.ts', import.meta.url).pathname)};
      const keep = [];
      let junk = [];
      for (let i = 0; i < 400000; i++) {
        const o = { a: 'x' + i, b: [i, i + 1], c: { d: i } };
        if (i % 10 === 0) keep.push(o); else junk.push(o);
        if (junk.length > 50000) junk = [];
      }
      junk = null;
      const before = process.memoryUsage();
      exposedGc()();
      const after = process.memoryUsage();
      console.log(JSON.stringify({ keep: keep.length, before, after }));
    `;
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const { keep, before, after } = JSON.parse(out);
    expect(keep).toBe(40_000);
    // The kept objects are still there (about a tenth of what was allocated)...
    expect(after.heapUsed).toBeGreaterThan(4 * 2 ** 20);
    // ...and the pages around them went back: a plain gc() leaves heapTotal at 55-85% of before
    // (it frees the garbage but keeps the pages), the memory-reducing one at ~20%.
    expect(after.heapTotal / before.heapTotal).toBeLessThan(0.4);
    expect(after.rss).toBeLessThan(before.rss - 20 * 2 ** 20);
  });
});
