import { describe, expect, it } from 'vitest';
import { sortForApply } from './apply-order.ts';
import type { KubeObject } from './object.ts';

const obj = (kind: string, name: string, namespace = 'shop'): KubeObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace },
});

describe('sortForApply', () => {
  it('when objects come in any order, then isolation goes first, config next, workloads after, entry points last, each kind by name', () => {
    const sorted = sortForApply([
      obj('Certificate', 'c'),
      obj('Ingress', 'i'),
      obj('Deployment', 'd'),
      obj('Cluster', 'pg'),
      obj('SomethingNew', 'x'),
      obj('Service', 's'),
      obj('Secret', 'b'),
      obj('Secret', 'a'),
      obj('ServiceAccount', 'sa'),
      obj('PersistentVolumeClaim', 'p'),
      obj('StatefulSet', 'st'),
      obj('PodDisruptionBudget', 'pdb'),
      obj('HTTPRoute', 'r'),
      obj('NetworkPolicy', 'np'),
    ]);
    expect(sorted.map((o) => o.metadata.name)).toEqual([
      'np',
      'sa',
      'a',
      'b',
      's',
      'p',
      'st',
      'pg',
      'd',
      'pdb',
      'x',
      'c',
      'i',
      'r',
    ]);
  });
});
