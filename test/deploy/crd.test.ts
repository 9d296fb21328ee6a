// `storefront crd install|upgrade`: the CRD is server-side applied under the CLI's field manager
// (so an upgrade really changes it, unlike Helm's crds/ directory) and is served afterwards.
import { describe, expect, it } from 'vitest';
import { kJson } from '../operator/support.ts';
import { explain, sf } from './support.ts';

describe('storefront crd', () => {
  it('when the CRD is upgraded, then it is applied by storefront-cli and Established', async () => {
    const r = await sf(['crd', 'upgrade']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(/CRD storefronts\.storefront\.dev (installed|upgraded)/);
    const crd = kJson(['get', 'crd', 'storefronts.storefront.dev', '--show-managed-fields']);
    expect(
      crd.metadata.managedFields.some(
        (m: { manager: string; operation: string }) =>
          m.manager === 'storefront-cli' && m.operation === 'Apply',
      ),
    ).toBe(true);
    expect(crd.status.conditions.find((c: { type: string }) => c.type === 'Established').status).toBe('True');
    // Idempotent: a second run changes nothing and succeeds.
    const again = await sf(['crd', 'install']);
    expect(again.code, explain(again)).toBe(0);
  });
});
