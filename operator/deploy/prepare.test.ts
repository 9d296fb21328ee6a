// The golden test of the two delivery modes: for every example, the objects the CLI applies are
// the objects the operator applies, except for ownership metadata (the operator's ownerReference,
// the CLI's release label and annotation).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/object.ts';
import { withOwner } from '../kube/apply-all.ts';
import { RETAIN_ANNOTATION } from '../render/credentials.ts';
import { render } from '../render/render.ts';
import { exampleFiles, fixedInputs, loadExample } from '../render/testdata/fixtures.ts';
import { adoptionConflict, prepareObjects, withoutReleaseMetadata } from './prepare.ts';

const stripOwner = (o: KubeObject): KubeObject => {
  const { ownerReferences: _o, ...metadata } = o.metadata;
  return { ...o, metadata };
};

describe('CLI objects = operator objects', () => {
  for (const file of exampleFiles()) {
    it(`when ${file} is deployed by either mode, then the objects are identical minus ownership metadata`, () => {
      const sf = loadExample(file);
      const inputs = fixedInputs(sf);
      const owner = {
        ...sf,
        metadata: { ...sf.metadata, namespace: inputs.namespace, uid: 'uid-1' },
      } as unknown as KubeObject;
      // The operator: render, then its ownerReference on everything but PVCs and retained objects.
      const operatorObjects = render(sf, inputs).map((o) =>
        o.kind === 'PersistentVolumeClaim' || o.metadata.annotations?.[RETAIN_ANNOTATION] === 'true'
          ? o
          : withOwner(o, owner),
      );
      const cliObjects = prepareObjects(render(sf, inputs), {
        namespace: inputs.namespace,
        name: sf.metadata.name,
      });
      expect(cliObjects.map(withoutReleaseMetadata)).toEqual(operatorObjects.map(stripOwner));
      for (const o of cliObjects) {
        expect(o.metadata.ownerReferences).toBeUndefined();
        expect(o.metadata.labels?.['storefront.dev/release']).toBe(sf.metadata.name);
        expect(o.metadata.annotations?.['storefront.dev/release']).toBe(
          `${inputs.namespace}/${sf.metadata.name}`,
        );
      }
    });
  }
});

describe('adoption', () => {
  const base = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'shop-app', namespace: 'p' } };
  it('when the object does not exist or carries this release, then it may be applied', () => {
    expect(adoptionConflict(undefined, 'p/shop')).toBeUndefined();
    expect(
      adoptionConflict(
        { ...base, metadata: { ...base.metadata, annotations: { 'storefront.dev/release': 'p/shop' } } },
        'p/shop',
      ),
    ).toBeUndefined();
  });
  it('when a Storefront owns it, another release has it, or nobody does, then it is refused with the reason', () => {
    const ownedByOperator = {
      ...base,
      metadata: {
        ...base.metadata,
        ownerReferences: [
          { apiVersion: 'storefront.dev/v1alpha1', kind: 'Storefront', name: 'shop', uid: 'u' },
        ],
      },
    };
    expect(adoptionConflict(ownedByOperator, 'p/shop')).toBe(
      'Deployment p/shop-app is owned by Storefront shop (the operator manages it)',
    );
    expect(
      adoptionConflict(
        { ...base, metadata: { ...base.metadata, annotations: { 'storefront.dev/release': 'q/shop' } } },
        'p/shop',
      ),
    ).toBe('Deployment p/shop-app belongs to release q/shop');
    expect(adoptionConflict(base, 'p/shop')).toBe(
      'Deployment p/shop-app already exists and belongs to no storefront release',
    );
  });
});
