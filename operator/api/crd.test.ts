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
    expect(version.subresources).toEqual({ status: {} });
    expect(version.additionalPrinterColumns.map((c: { name: string }) => c.name)).toEqual(
      expect.arrayContaining(['Ready', 'URL', 'Age']),
    );
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
