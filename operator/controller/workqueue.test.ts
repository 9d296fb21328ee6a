import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { backoffDelay, WorkQueue } from './workqueue.ts';

/** A promise plus its resolve, to hold a handler open until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

/** Lets queued microtasks and promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** One worker busy with `a` (held until `first.open()`), `b` queued behind it; `seen` lists finished keys. */
async function busyWithA() {
  const q = new WorkQueue({ concurrency: 1, clock: new ManualClock() });
  const first = gate();
  const seen: string[] = [];
  q.start(async (key) => {
    if (key === 'a') await first.promise;
    seen.push(key);
  });
  q.add('a');
  q.add('b');
  await settle();
  return { q, first, seen };
}

/** A queue on a manual clock whose handler records the keys it ran; `start()` starts its worker. */
function recordingQueue() {
  const clock = new ManualClock();
  const q = new WorkQueue({ clock });
  const seen: string[] = [];
  const start = () =>
    q.start(async (key) => {
      seen.push(key);
    });
  return { clock, q, seen, start };
}

describe('WorkQueue', () => {
  it('when a key is added several times before a worker takes it, then it is handled once', async () => {
    const q = new WorkQueue({ clock: new ManualClock() });
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.len()).toBe(2);
    const seen: string[] = [];
    q.start(async (key) => {
      seen.push(key);
    });
    await settle();
    expect(seen).toEqual(['ns/a', 'ns/b']);
  });

  it('when a key is added while it is being handled, then it runs again afterwards and never twice at once', async () => {
    const q = new WorkQueue({ concurrency: 4, clock: new ManualClock() });
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const first = gate();
    q.start(async () => {
      running++;
      runs++;
      maxRunning = Math.max(maxRunning, running);
      if (runs === 1) await first.promise;
      running--;
    });
    q.add('ns/a');
    await settle();
    expect(q.inFlight()).toBe(1);
    q.add('ns/a');
    q.add('ns/a');
    await settle();
    // Four workers are free, yet the key waits for its own in-flight run.
    expect(runs).toBe(1);
    expect(q.len()).toBe(0);
    first.open();
    await settle();
    expect(runs).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('when keys differ, then up to `concurrency` of them run in parallel and no more', async () => {
    const q = new WorkQueue({ concurrency: 2, clock: new ManualClock() });
    const gates = new Map<string, ReturnType<typeof gate>>();
    let running = 0;
    let maxRunning = 0;
    q.start(async (key) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const g = gate();
      gates.set(key, g);
      await g.promise;
      running--;
    });
    for (const k of ['a', 'b', 'c', 'd']) q.add(k);
    await settle();
    expect(running).toBe(2);
    expect(q.len()).toBe(2);
    gates.get('a')!.open();
    await settle();
    expect(running).toBe(2);
    for (const g of gates.values()) g.open();
    await settle();
    for (const g of gates.values()) g.open();
    await settle();
    expect(maxRunning).toBe(2);
    expect(running).toBe(0);
  });

  it('when a handler keeps failing, then the retry delay doubles per key up to the cap, and success resets it', async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    const q = new WorkQueue({
      clock,
      baseDelayMs: 5,
      maxDelayMs: 40,
      hooks: { onRetry: (_key, delay) => delays.push(delay) },
    });
    let failing = true;
    let runs = 0;
    q.start(async () => {
      runs++;
      if (failing) throw new Error('boom');
    });
    q.add('k');
    await settle();
    expect(runs).toBe(1);
    expect(q.numRequeues('k')).toBe(1);
    // Not yet due: 4 ms of the 5 ms backoff.
    clock.advance(4);
    await settle();
    expect(runs).toBe(1);
    for (const step of [1, 10, 20, 40, 40]) {
      clock.advance(step);
      await settle();
    }
    expect(delays).toEqual([5, 10, 20, 40, 40, 40]);
    expect(runs).toBe(6);
    failing = false;
    clock.advance(40);
    await settle();
    expect(runs).toBe(7);
    expect(q.numRequeues('k')).toBe(0);
    failing = true;
    q.add('k');
    await settle();
    expect(delays.at(-1)).toBe(5);
  });

  it('backoffDelay follows base * 2^n capped at the maximum', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 5, 300_000))).toEqual([5, 10, 20, 40]);
    expect(backoffDelay(30, 5, 300_000)).toBe(300_000);
    expect(backoffDelay(5000, 5, 300_000)).toBe(300_000);
  });

  it('when addAfter is used, then the key runs only once the delay passed, and the earliest deadline wins', async () => {
    const { clock, q, seen, start } = recordingQueue();
    start();
    q.addAfter('k', 1000);
    q.addAfter('k', 500);
    q.addAfter('k', 2000);
    clock.advance(499);
    await settle();
    expect(seen).toEqual([]);
    clock.advance(1);
    await settle();
    expect(seen).toEqual(['k']);
    clock.advance(5000);
    await settle();
    expect(seen).toEqual(['k']);
  });

  it('when a key is queued, then a delayed add of it is dropped: the run to come sees what it was for', async () => {
    // A fresh operator: every Storefront queued at once (before the workers start), then each
    // one's children listed, each asking for its Storefront a second later.
    const { clock, q, seen, start } = recordingQueue();
    q.add('k');
    q.addAfter('k', 1000);
    start();
    await settle();
    clock.advance(5000);
    await settle();
    expect(seen).toEqual(['k']);
  });

  it('when a key waits for a delayed add and is added now, then it runs now and once', async () => {
    const { clock, q, seen, start } = recordingQueue();
    start();
    q.addAfter('k', 1000);
    q.add('k');
    await settle();
    expect(seen).toEqual(['k']);
    clock.advance(5000);
    await settle();
    expect(seen).toEqual(['k']);
  });

  it('when a key is being handled, then a delayed add still runs it again after the delay', async () => {
    // A first reconcile creates the children; their events must bring it back to read their state.
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    const first = gate();
    const seen: string[] = [];
    q.start(async (key) => {
      if (seen.length === 0) await first.promise;
      seen.push(key);
    });
    q.add('k');
    await settle();
    q.addAfter('k', 1000);
    first.open();
    await settle();
    expect(seen).toEqual(['k']);
    clock.advance(1000);
    await settle();
    expect(seen).toEqual(['k', 'k']);
  });

  it('when a handler asks for requeueAfterMs, then the key comes back after that delay', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    let runs = 0;
    q.start(async () => {
      runs++;
      return { requeueAfterMs: 100 };
    });
    q.add('k');
    await settle();
    clock.advance(100);
    await settle();
    expect(runs).toBe(2);
  });

  it('when shut down with drain, then queued and in-flight keys finish before it resolves and new keys are refused', async () => {
    const { q, first, seen } = await busyWithA();
    let resolved = false;
    const done = q.shutdown({ drain: true }).then((v) => {
      resolved = true;
      return v;
    });
    q.add('c');
    q.addAfter('d', 1);
    await settle();
    expect(resolved).toBe(false);
    first.open();
    expect(await done).toBe(true);
    expect(seen).toEqual(['a', 'b']);
  });

  it('when shut down without drain, then queued keys are dropped but in-flight work is awaited', async () => {
    const { q, first, seen } = await busyWithA();
    const done = q.shutdown({ drain: false });
    first.open();
    expect(await done).toBe(true);
    expect(seen).toEqual(['a']);
  });

  it('when shutdown has a timeout and work hangs, then it resolves false', async () => {
    const clock = new ManualClock();
    const q = new WorkQueue({ clock });
    const hang = gate();
    q.start(() => hang.promise);
    q.add('a');
    await settle();
    const done = q.shutdown({ drain: true, timeoutMs: 1000 });
    clock.advance(1000);
    expect(await done).toBe(false);
    hang.open();
  });

  it('reports depth, queue latency and work duration through hooks', async () => {
    const clock = new ManualClock();
    const depths: number[] = [];
    const latencies: number[] = [];
    const outcomes: string[] = [];
    const q = new WorkQueue({
      clock,
      hooks: {
        onDepth: (d) => depths.push(d),
        onQueueLatency: (ms) => latencies.push(ms),
        onWorkDuration: (_ms, outcome) => outcomes.push(outcome),
      },
    });
    q.add('a');
    q.add('b');
    clock.advance(30);
    q.start(async (key) => {
      if (key === 'b') throw new Error('x');
    });
    await settle();
    expect(depths.slice(0, 2)).toEqual([1, 2]);
    expect(depths).toContain(0);
    expect(latencies).toEqual([30, 30]);
    expect(outcomes).toEqual(['success', 'error']);
  });
});
