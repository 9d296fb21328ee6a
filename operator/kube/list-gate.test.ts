import { describe, expect, it } from 'vitest';
import { ListGate } from './list-gate.ts';

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
};

describe('ListGate', () => {
  it('when more callers come than the limit, then the rest wait and run in order as slots free', async () => {
    const gate = new ListGate(2);
    const order: number[] = [];
    const holds = [deferred(), deferred(), deferred(), deferred()];
    const runs = holds.map((h, i) =>
      gate.run(async () => {
        order.push(i);
        await h.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(order).toEqual([0, 1]);
    expect(gate.state()).toEqual({ running: 2, waiting: 2 });
    holds[1]!.resolve();
    await runs[1];
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([0, 1, 2]);
    for (const h of holds) h.resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(gate.state()).toEqual({ running: 0, waiting: 0 });
  });

  it('when a run fails, then its slot is freed and the error reaches its caller', async () => {
    const gate = new ListGate(1);
    await expect(gate.run(() => Promise.reject(new Error('list failed')))).rejects.toThrow('list failed');
    expect(await gate.run(async () => 'next')).toBe('next');
    expect(gate.state()).toEqual({ running: 0, waiting: 0 });
  });

  it('when the limit is not a positive integer, then it says so', () => {
    expect(() => new ListGate(0)).toThrow(/positive integer, got 0/);
  });
});
