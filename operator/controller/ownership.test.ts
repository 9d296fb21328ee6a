import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { ADOPT_ANNOTATION, foreignObjects, isOurs } from './ownership.ts';

const sf = { metadata: { name: 'shop', namespace: 'ns', uid: 'uid-1' } } as Storefront;
const obj = (kind: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name: 'x', namespace: 'ns', ...meta },
});
const ourLabels = { 'app.kubernetes.io/managed-by': 'storefront', 'storefront.dev/storefront': 'shop' };

describe('ownership of existing objects', () => {
  it('when an object carries this Storefront as owner, then it is ours', () => {
    expect(
      isOurs(
        obj('Deployment', {
          ownerReferences: [
            { apiVersion: 'storefront.dev/v1alpha1', kind: 'Storefront', name: 'shop', uid: 'uid-1' },
          ],
        }),
        sf,
      ),
    ).toBe(true);
  });

  it('when an object is owned by another Storefront of the same name (another uid), then it is not ours', () => {
    expect(
      isOurs(
        obj('Deployment', {
          ownerReferences: [
            { apiVersion: 'storefront.dev/v1alpha1', kind: 'Storefront', name: 'shop', uid: 'old' },
          ],
        }),
        sf,
      ),
    ).toBe(false);
  });

  it('when an object merely carries our labels, then it is not ours unless it is retained data of this name', () => {
    expect(isOurs(obj('Deployment', { labels: ourLabels }), sf)).toBe(false);
    expect(
      isOurs(
        obj('Secret', { labels: ourLabels, annotations: { 'storefront.dev/retain-on-delete': 'true' } }),
        sf,
      ),
    ).toBe(true);
    expect(isOurs(obj('PersistentVolumeClaim', { labels: ourLabels }), sf)).toBe(true);
    expect(
      isOurs(
        obj('PersistentVolumeClaim', { labels: { ...ourLabels, 'storefront.dev/storefront': 'other' } }),
        sf,
      ),
    ).toBe(false);
  });

  it('when the adoption annotation names this Storefront, then it may be taken over; naming another, not', () => {
    expect(isOurs(obj('Secret', { annotations: { [ADOPT_ANNOTATION]: 'shop' } }), sf)).toBe(true);
    expect(isOurs(obj('Secret', { annotations: { [ADOPT_ANNOTATION]: 'other' } }), sf)).toBe(false);
  });

  it('when some rendered objects exist and are foreign, then each is named with why', async () => {
    const live: Record<string, KubeObject> = {
      'Secret/shop-tls': obj('Secret'),
      'Deployment/shop-app': obj('Deployment', {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true },
        ],
      }),
    };
    const refs = ['Secret/shop-tls', 'Deployment/shop-app', 'Service/shop-app'].map((r) => {
      const [kind, name] = r.split('/') as [string, string];
      return { apiVersion: 'v1', kind, name, namespace: 'ns' };
    });
    expect(await foreignObjects(sf, refs, async (ref) => live[`${ref.kind}/${ref.name}`])).toEqual([
      'Deployment/shop-app (owned by ReplicaSet/rs)',
      'Secret/shop-tls (created outside this Storefront)',
    ]);
  });
});
