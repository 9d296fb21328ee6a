import { describe, expect, it } from 'vitest';
import { deployedRevision, pruneSources, rollbackTarget } from './history.ts';
import type { Release, ReleaseStatus } from './release.ts';
import type { StoredRelease } from './release-store.ts';

const h = (...statuses: ReleaseStatus[]): StoredRelease[] =>
  statuses.map((status, i) => ({
    release: {
      revision: i + 1,
      status,
      objects: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i + 1}` } }],
    } as unknown as Release,
    secret: { apiVersion: 'v1', kind: 'Secret', metadata: {} },
  }));

describe('rollback target', () => {
  it('when no revision is named, then the newest good revision before the deployed one is restored', () => {
    expect(rollbackTarget(h('superseded', 'superseded', 'deployed'), undefined, 'p/s').revision).toBe(2);
    expect(rollbackTarget(h('superseded', 'deployed', 'failed'), undefined, 'p/s').revision).toBe(1);
  });
  it('when a revision is named, then that one, and a missing one is an error listing what is kept', () => {
    expect(rollbackTarget(h('superseded', 'deployed'), 1, 'p/s').revision).toBe(1);
    expect(() => rollbackTarget(h('superseded', 'deployed'), 7, 'p/s')).toThrow(
      /has no revision 7 \(kept: 1, 2\)/,
    );
    expect(() => rollbackTarget(h('deployed'), undefined, 'p/s')).toThrow(/no earlier good revision/);
  });
});

describe('prune sources', () => {
  it('when revisions failed after the deployed one, then their objects are pruned too; older ones are not consulted', () => {
    expect(
      pruneSources(h('superseded', 'deployed', 'failed', 'pending-upgrade'), 4).map((r) => r.revision),
    ).toEqual([2, 3]);
    expect(pruneSources(h('failed', 'pending-install'), 2).map((r) => r.revision)).toEqual([1]);
  });
});

describe('the deployed revision', () => {
  it('when a change is under way or failed, then the revision live now is the newest deployed one', () => {
    expect(deployedRevision(h('superseded', 'deployed', 'failed', 'pending-upgrade'), 4)?.revision).toBe(2);
    expect(deployedRevision(h('superseded', 'superseded'))).toBeUndefined();
    expect(deployedRevision(h('deployed', 'pending-rollback'), 1)).toBeUndefined();
  });
});
