import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { LeaseSnapshot, LeaseSpec, LeaseStore } from '../kube/lease.ts';
import { decide, LeaderElector, validateTimings } from './leader-election.ts';

describe('decide', () => {
  const base = { identity: 'me', leaseDurationMs: 15_000 };

  it('when there is no lease, then create one held by me with zero transitions', () => {
    const d = decide({ ...base, now: 0, current: undefined, observedAt: 0 });
    expect(d).toMatchObject({
      action: 'create',
      spec: { holderIdentity: 'me', leaseDurationSeconds: 15, leaseTransitions: 0 },
    });
  });

  it('when another holder was seen renewing recently, then wait until its lease expires', () => {
    const current: LeaseSnapshot = {
      resourceVersion: '7',
      spec: { holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 3 },
    };
    expect(decide({ ...base, now: 10_000, current, observedAt: 1_000 })).toEqual({
      action: 'wait',
      holder: 'other',
      expiresAt: 16_000,
    });
  });

  it('when the other holder has not renewed for a lease duration, then take over and count a transition', () => {
    const current: LeaseSnapshot = {
      resourceVersion: '7',
      spec: { holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 3 },
    };
    const d = decide({ ...base, now: 16_000, current, observedAt: 1_000 });
    expect(d).toMatchObject({
      action: 'update',
      resourceVersion: '7',
      spec: { holderIdentity: 'me', leaseTransitions: 4 },
    });
  });

  it('when the holder identity is empty (released), then take over at once', () => {
    const current: LeaseSnapshot = {
      resourceVersion: '9',
      spec: { holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 4 },
    };
    expect(decide({ ...base, now: 5, current, observedAt: 5 })).toMatchObject({
      action: 'update',
      spec: { leaseTransitions: 5 },
    });
  });

  it('when I hold it, then renew keeping acquireTime and transitions', () => {
    const current: LeaseSnapshot = {
      resourceVersion: '9',
      spec: { holderIdentity: 'me', acquireTime: 'then', leaseDurationSeconds: 15, leaseTransitions: 2 },
    };
    const d = decide({ ...base, now: 99_000, current, observedAt: 98_000 });
    expect(d).toMatchObject({ action: 'update', spec: { acquireTime: 'then', leaseTransitions: 2 } });
    expect(d.action === 'update' && d.spec.renewTime).toBe('1970-01-01T00:01:39.000000Z');
  });

  it('rejects timings client-go rejects', () => {
    expect(() => validateTimings(10_000, 10_000, 2_000)).toThrow(/leaseDuration/);
    expect(() => validateTimings(15_000, 2_000, 2_000)).toThrow(/renewDeadline/);
    expect(() => validateTimings(15_000, 10_000, 2_000)).not.toThrow();
  });
});

/** An in-process LeaseStore with resourceVersion checks, to drive the elector's timing by hand. */
class MemoryLeaseStore implements LeaseStore {
  lease: LeaseSnapshot | undefined;
  failing = false;
  private rv = 0;
  describe() {
    return 'memory lease';
  }
  async get() {
    if (this.failing) throw new Error('api down');
    return this.lease && { spec: { ...this.lease.spec }, resourceVersion: this.lease.resourceVersion };
  }
  async create(spec: LeaseSpec) {
    if (this.failing) throw new Error('api down');
    if (this.lease) return false as const;
    this.lease = { spec, resourceVersion: String(++this.rv) };
    return this.lease;
  }
  async update(spec: LeaseSpec, resourceVersion: string) {
    if (this.failing) throw new Error('api down');
    if (!this.lease || this.lease.resourceVersion !== resourceVersion) return false as const;
    this.lease = { spec, resourceVersion: String(++this.rv) };
    return this.lease;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

async function advance(clock: ManualClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step);
    await settle();
  }
}

/** Replica `a` alone on a fresh lease, leading after its first second; `reasons` records why it stops. */
async function leaderA() {
  const clock = new ManualClock(0);
  const store = new MemoryLeaseStore();
  const reasons: string[] = [];
  const a = new LeaderElector({
    store,
    identity: 'a',
    clock,
    onStoppedLeading: (r) => reasons.push(r),
  }).start();
  await advance(clock, 1_000);
  expect(a.isLeader()).toBe(true);
  return { clock, store, reasons, a };
}

describe('LeaderElector', () => {
  it('when two replicas campaign, then exactly one leads; when it stops, the other takes over before the lease would expire', async () => {
    const clock = new ManualClock(1_000_000);
    const store = new MemoryLeaseStore();
    const events: string[] = [];
    const make = (id: string) =>
      new LeaderElector({
        store,
        identity: id,
        clock,
        onStartedLeading: () => events.push(`${id} started`),
        onStoppedLeading: (reason) => events.push(`${id} stopped: ${reason}`),
      });
    const a = make('a').start();
    await settle();
    const b = make('b').start();
    await advance(clock, 6_000);
    expect([a.isLeader(), b.isLeader()]).toEqual([true, false]);
    expect(b.leader()).toBe('a');
    await a.stop();
    expect(store.lease?.spec.holderIdentity).toBe('');
    // b retries every ~2-2.4 s and sees the empty holder: well under the 15 s lease.
    await advance(clock, 3_000);
    expect(b.isLeader()).toBe(true);
    expect(store.lease?.spec.holderIdentity).toBe('b');
    expect(store.lease?.spec.leaseTransitions).toBe(1);
    expect(events).toEqual(['a started', 'a stopped: released', 'b started']);
    await b.stop();
  });

  it('when the leader cannot renew for renewDeadline, then it steps down; the lease then expires for others', async () => {
    const { clock, store, reasons, a } = await leaderA();
    store.failing = true;
    await advance(clock, 9_000);
    expect(a.isLeader()).toBe(true);
    await advance(clock, 2_000);
    expect(a.isLeader()).toBe(false);
    expect(reasons).toEqual(['renew-deadline']);
    store.failing = false;
    await a.stop();
    expect(reasons).toEqual(['renew-deadline']);
  });

  it('when another replica overwrites the lease, then the leader steps down as taken-over', async () => {
    const { clock, store, reasons, a } = await leaderA();
    await store.update({ ...store.lease!.spec, holderIdentity: 'intruder' }, store.lease!.resourceVersion);
    await advance(clock, 2_500);
    expect(a.isLeader()).toBe(false);
    expect(reasons).toEqual(['taken-over']);
    await a.stop();
  });
});
