import { describe, expect, it } from 'vitest';
import { buildCrd } from './crd.ts';
import { parseStorefront } from './validate.ts';

const doc = (resources: unknown) => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name: 'shop' },
  spec: { host: 'shop.example.com', app: { resources } },
});

describe('quantities written as numbers', () => {
  it('when cpu is 2 and 0.5, then they are the quantities "2" and "0.5"', () => {
    const sf = parseStorefront(doc({ requests: { cpu: 0.5 }, limits: { cpu: 2 } }));
    expect(sf.spec.app.resources.requests.cpu).toBe('0.5');
    expect(sf.spec.app.resources.limits.cpu).toBe('2');
  });

  it('when a numeric request exceeds its limit, then the rule still names the field', () => {
    expect(() => parseStorefront(doc({ requests: { cpu: 3 }, limits: { cpu: 2 } }))).toThrow(
      /spec\.app\.resources\.requests\.cpu.*requests\.cpu must be less than or equal to limits\.cpu/,
    );
  });

  it('when the CRD is generated, then quantities are int-or-string, as resource.Quantity is', () => {
    const text = JSON.stringify(buildCrd('0.0.0'));
    expect(text).toContain(
      '"anyOf":[{"type":"integer"},{"type":"string"}],"x-kubernetes-int-or-string":true',
    );
    expect(text).not.toMatch(/quantity\(self/);
  });
});
