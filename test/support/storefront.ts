// The one product factory of the integration tests: a Storefront with a name and a host derived
// from it, plus whatever spec the test needs.
export interface StorefrontObject {
  apiVersion: 'storefront.dev/v1alpha1';
  kind: 'Storefront';
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export function storefront(name: string, spec: Record<string, unknown> = {}): StorefrontObject {
  return {
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name },
    spec: { host: `${name}.example.com`, ...spec },
  };
}
