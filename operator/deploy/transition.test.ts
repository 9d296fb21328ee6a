import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront } from '../api/validate.ts';
import type { KubeObject } from '../core/object.ts';
import type { Release, ReleaseStatus } from './release.ts';
import type { StoredRelease } from './release-store.ts';
import { checkTransition } from './transition.ts';

const shop = (database: Record<string, unknown>): Storefront =>
  parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop' },
    spec: { host: 'shop.example.com', database },
  });

const stored = (revision: number, status: ReleaseStatus, spec: Storefront): StoredRelease => ({
  release: { name: 'shop', namespace: 'prod', revision, status, spec } as Release,
  secret: {} as KubeObject,
});

describe('release transitions', () => {
  it('when an upgrade changes the managed Postgres major version, then it is refused naming database.version', () => {
    const history = [stored(1, 'deployed', shop({ version: '16' }))];
    expect(() => checkTransition(history, shop({ version: '17' }))).toThrow(
      /revision 1 is refused:\n {2}- spec\.database\.version: .*cannot change in place/,
    );
  });

  it('when an upgrade keeps the version and grows the volume, then it passes', () => {
    const history = [stored(1, 'deployed', shop({ version: '16', storage: { size: '10Gi' } }))];
    expect(() => checkTransition(history, shop({ version: '16', storage: { size: '20Gi' } }))).not.toThrow();
  });

  it('when the only other revision failed, then nothing is compared (no data directory exists yet)', () => {
    const history = [stored(1, 'failed', shop({ version: '16' }))];
    expect(() => checkTransition(history, shop({ version: '17' }))).not.toThrow();
  });

  it('when a filter keeps only the version rule, then a smaller volume passes but a version change does not', () => {
    const history = [stored(2, 'deployed', shop({ version: '17', storage: { size: '20Gi' } }))];
    const only = (p: string) => p === 'spec.database.version';
    expect(() =>
      checkTransition(history, shop({ version: '17', storage: { size: '10Gi' } }), only),
    ).not.toThrow();
    expect(() => checkTransition(history, shop({ version: '16', storage: { size: '10Gi' } }), only)).toThrow(
      /spec\.database\.version/,
    );
  });
});
