import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { buildCrd, crdYaml } from './crd.ts';

const CRD_FILE = join(import.meta.dirname, '../../crds/storefront.dev_storefronts.yaml');

function walk(schema: any, path: string, visit: (s: any, path: string) => void): void {
  visit(schema, path);
  for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, `${path}.${k}`, visit);
  if (schema.items) walk(schema.items, `${path}[]`, visit);
  if (typeof schema.additionalProperties === 'object') walk(schema.additionalProperties, `${path}{}`, visit);
}

describe('the Storefront CRD', () => {
  it('when crds/ is compared with the API definition, then it is up to date (run `npm run crd`)', () => {
    expect(readFileSync(CRD_FILE, 'utf8')).toBe(crdYaml(pkg.version));
  });

  it('when the schema is walked, then every field is typed and described', () => {
    const version = (buildCrd('0.0.0') as any).spec.versions[0];
    const spec = version.schema.openAPIV3Schema.properties.spec;
    let fields = 0;
    walk(spec, 'spec', (s, path) => {
      fields++;
      // Quantities are int-or-string (no single type), as the API server's own resource.Quantity.
      expect(s.type ?? (s['x-kubernetes-int-or-string'] && 'int-or-string'), path).toBeTruthy();
      expect(s.description, path).toBeTruthy();
    });
    expect(fields).toBeGreaterThan(60);
    expect(version.subresources.status).toEqual({});
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['Ready', 'App', 'DB', 'Cache', 'URL', 'Age']),
    );
  });

  it('when the scale subresource is read, then its paths name fields the schema has', () => {
    const crd = buildCrd('0.0.0') as any;
    const version = crd.spec.versions[0];
    const schema = version.schema.openAPIV3Schema;
    const at = (path: string) =>
      path
        .slice(1)
        .split('.')
        .reduce((s: any, key: string) => s?.properties?.[key], schema);
    const scale = version.subresources.scale;
    expect(scale.specReplicasPath).toBe('.spec.app.replicas');
    expect(at(scale.specReplicasPath).type).toBe('integer');
    expect(at(scale.statusReplicasPath).type).toBe('integer');
    expect(at(scale.labelSelectorPath).type).toBe('string');
    for (const column of version.additionalPrinterColumns) {
      if (column.jsonPath.includes('[') || column.jsonPath.startsWith('.metadata')) continue;
      expect(at(column.jsonPath), column.jsonPath).toBeDefined();
    }
  });

  it('when categories are listed, then all is not one (kubectl delete all --all never deletes shops)', () => {
    const names = (buildCrd('0.0.0') as any).spec.names;
    expect(names.categories).not.toContain('all');
    expect(names.categories).toEqual(['storefront']);
  });

  it('when CEL rules are listed, then each has a message and cross-field or transition rules exist', () => {
    const rules: string[] = [];
    walk((buildCrd('0.0.0') as any).spec.versions[0].schema.openAPIV3Schema, '', (s) => {
      for (const r of s['x-kubernetes-validations'] ?? []) {
        expect(r.message).toBeTruthy();
        rules.push(r.rule);
      }
    });
    expect(rules.some((r) => r.includes('oldSelf'))).toBe(true);
    expect(rules.some((r) => r.includes('minReplicas <= self.maxReplicas'))).toBe(true);
  });
});
