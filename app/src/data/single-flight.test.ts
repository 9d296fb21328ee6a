import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight.ts';

describe('SingleFlight', () => {
  it('when calls for one key overlap, then the work runs once and everyone gets its result', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: (n: number) => void;
    const work = () => {
      runs += 1;
      return new Promise<number>((resolve) => {
        release = resolve;
      });
    };
    const calls = [flights.run('k', work), flights.run('k', work), flights.run('k', work)];
    expect(flights.callers('k')).toBe(3);
    await Promise.resolve();
    release(7);
    expect(await Promise.all(calls)).toEqual([7, 7, 7]);
    expect(runs).toBe(1);
    expect(flights.callers('k')).toBe(0);
  });

  it('when the work fails, then all callers see the error and the next call runs afresh', async () => {
    const flights = new SingleFlight<number>();
    const failing = Promise.all([
      flights.run('k', async () => Promise.reject(new Error('boom'))),
      flights.run('k', async () => 1),
    ]);
    await expect(failing).rejects.toThrow('boom');
    expect(await flights.run('k', async () => 2)).toBe(2);
  });
});
