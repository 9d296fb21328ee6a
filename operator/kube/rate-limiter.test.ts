import { describe, expect, it } from 'vitest';
import { TokenBucket } from './rate-limiter.ts';

describe('TokenBucket', () => {
  it('when a burst is spent, then each further request waits 1/qps longer than the previous', () => {
    let now = 0;
    const bucket = new TokenBucket({ qps: 10, burst: 3, now: () => now });
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBeCloseTo(100);
    expect(bucket.reserve()).toBeCloseTo(200);
    now += 1000;
    // 10 tokens refilled, 2 were owed, capped at the burst of 3.
    expect(bucket.reserve()).toBe(0);
  });

  it('when qps is 0, then limiting is off', () => {
    const bucket = new TokenBucket({ qps: 0, burst: 1, now: () => 0 });
    for (let i = 0; i < 100; i++) expect(bucket.reserve()).toBe(0);
  });
});
