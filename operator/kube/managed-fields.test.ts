import { describe, expect, it } from 'vitest';
import { cutManagedFields, parseWithoutManagedFields } from './managed-fields.ts';

// As the API server writes them: managedFields last in metadata, fieldsV1 nested objects whose
// keys hold JSON of their own (escaped), the second entry a status subresource.
const managedFields = [
  {
    manager: 'storefront-operator',
    operation: 'Apply',
    apiVersion: 'apps/v1',
    time: '2026-12-03T12:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: {
      'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/name': {} } },
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': {
              'k:{"name":"app"}': { '.': {}, 'f:ports': { 'k:{"containerPort":8080,"protocol":"TCP"}': {} } },
            },
          },
        },
      },
    },
  },
  {
    manager: 'kube-controller-manager',
    operation: 'Update',
    apiVersion: 'apps/v1',
    time: '2026-12-03T12:00:05Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Available"}': { 'f:status': {} } } } },
    subresource: 'status',
  },
];

function deployment(name: string, fields: unknown = managedFields) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      resourceVersion: '42',
      labels: { 'app.kubernetes.io/name': 'storefront', odd: 'value with }] inside' },
      annotations: { note: '"managedFields":[ is only text here' },
      ownerReferences: [
        { apiVersion: 'storefront.dev/v1alpha1', kind: 'Storefront', name: 'demo', uid: 'u' },
      ],
      managedFields: fields,
    },
    spec: {
      replicas: 2,
      template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }] } },
    },
    status: { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] },
  };
}

function without<T extends { metadata: Record<string, unknown> }>(obj: T): T {
  const { managedFields: _gone, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

describe('managedFields cut from the text', () => {
  it('a watch event: the object parses as it would, less managedFields', () => {
    const line = JSON.stringify({ type: 'MODIFIED', object: deployment('web') });
    const cut = cutManagedFields(line);
    expect(cut).toBeDefined();
    expect(cut!.length).toBeLessThan(line.length / 2 + 400);
    expect(JSON.parse(cut!)).toEqual({ type: 'MODIFIED', object: without(deployment('web')) });
    expect(parseWithoutManagedFields(line)).toEqual({ type: 'MODIFIED', object: without(deployment('web')) });
  });

  it('a list page: every item loses its managedFields, an empty array included', () => {
    const page = {
      kind: 'DeploymentList',
      metadata: { resourceVersion: '7', continue: 'next' },
      items: [deployment('a'), deployment('b', []), deployment('c')],
    };
    expect(parseWithoutManagedFields(JSON.stringify(page))).toEqual({
      ...page,
      items: page.items.map(without),
    });
  });

  it('text without managedFields is left as it is', () => {
    const text = JSON.stringify(without(deployment('plain')));
    expect(cutManagedFields(text)).toBe(text);
    expect(parseWithoutManagedFields(text)).toEqual(without(deployment('plain')));
  });

  it('a string inside managedFields holding "}]" makes the cut wrong: the whole text is parsed instead', () => {
    const tricky = [{ manager: 'x', fieldsV1: { 'k:{"name":"a}]}"}': {} } }];
    const text = JSON.stringify(deployment('tricky', tricky));
    // The cut ends inside that key: what follows is not valid JSON...
    expect(() => JSON.parse(cutManagedFields(text) ?? '')).toThrow();
    // ...so nothing is lost: the object comes whole (the informer's transform drops the field).
    expect(parseWithoutManagedFields(text)).toEqual(deployment('tricky', tricky));
  });

  it('managedFields not last in its object, or never closed, is refused', () => {
    expect(cutManagedFields('{"metadata":{"managedFields":[{"a":{}}],"name":"x"}}')).toBeUndefined();
    expect(cutManagedFields('{"metadata":{"name":"x","managedFields":[{"a":{}}')).toBeUndefined();
    expect(cutManagedFields('{"metadata":{"name":"x","managedFields":[{"a":{}}]x}')).toBeUndefined();
    expect(parseWithoutManagedFields('{"metadata":{"managedFields":[],"name":"x"}}')).toEqual({
      metadata: { managedFields: [], name: 'x' },
    });
  });
});
