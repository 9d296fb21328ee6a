import { describe, expect, it } from 'vitest';
import {
  LOCK_DEADLINE,
  LOCK_HEARTBEAT,
  LOCK_HOLDER,
  LOCK_INTERVAL,
  LOCK_SINCE,
  lockState,
  withoutLock,
} from './lock.ts';

const now = new Date('2026-05-01T12:00:00Z');
const ann = (heartbeatAgoMs: number, extra: Record<string, string> = {}) => ({
  [LOCK_HOLDER]: 'ci@runner (pid 7)',
  [LOCK_SINCE]: '2026-05-01T11:59:00.000Z',
  [LOCK_HEARTBEAT]: new Date(now.getTime() - heartbeatAgoMs).toISOString(),
  [LOCK_INTERVAL]: '5000',
  ...extra,
});

describe('lockState', () => {
  it('when the newest revision is not pending, then nothing is locked', () => {
    expect(lockState('deployed', ann(0), now)).toEqual({ held: false });
    expect(lockState('failed', ann(999_999), now)).toEqual({ held: false });
  });

  it('when a pending revision has a fresh heartbeat, then it is held and names its holder and since when', () => {
    const s = lockState('pending-upgrade', ann(4_000), now);
    expect(s).toMatchObject({
      held: true,
      stale: false,
      holder: 'ci@runner (pid 7)',
      since: '2026-05-01T11:59:00.000Z',
    });
    expect(lockState('uninstalling', ann(0), now)).toMatchObject({ held: true, stale: false });
  });

  it('when the heartbeat is older than three intervals, then the lock is stale and says why', () => {
    const s = lockState('pending-install', ann(15_001), now);
    expect(s).toMatchObject({ held: true, stale: true });
    expect((s as { why: string }).why).toMatch(/no heartbeat for 15s \(expected every 5s\)/);
    expect(lockState('pending-install', ann(14_000), now)).toMatchObject({ stale: false });
  });

  it('when the holder is past its declared deadline, then the lock is stale even with a fresh heartbeat', () => {
    const s = lockState('pending-upgrade', ann(0, { [LOCK_DEADLINE]: '2026-05-01T11:00:00.000Z' }), now);
    expect(s).toMatchObject({ held: true, stale: true });
  });

  it('when a pending revision has no heartbeat at all, then it is stale (a damaged mark never blocks forever)', () => {
    expect(lockState('pending-rollback', {}, now)).toMatchObject({
      held: true,
      stale: true,
      holder: 'an unknown process',
    });
  });

  it('withoutLock drops only the lock annotations', () => {
    expect(withoutLock({ ...ann(0), keep: 'me' })).toEqual({ keep: 'me' });
  });
});
