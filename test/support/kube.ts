// Shared set-up of the tests that drive operator/kube and the controller machinery directly: a
// namespace of the test's own and a throw-away CRD, created through the client under test.
import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../../operator/core/object.ts';
import type { KubeClient } from '../../operator/kube/client.ts';
import { eventually } from './eventually.ts';

const FIELD_MANAGER = 'storefront-tests';

/** Creates `<prefix>-<random>` and returns its name. */
export async function createNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await client.apply(
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
    { fieldManager: FIELD_MANAGER },
  );
  return name;
}

export async function deleteNamespace(client: KubeClient | undefined, name: string): Promise<void> {
  await client?.delete({ apiVersion: 'v1', kind: 'Namespace', name });
}

/** Runs `body` in a namespace of its own (a watch nothing else touches), deleted afterwards. */
export async function inOwnNamespace(
  client: KubeClient,
  prefix: string,
  body: (namespace: string) => Promise<void>,
): Promise<void> {
  const name = await createNamespace(client, prefix);
  try {
    await body(name);
  } finally {
    await deleteNamespace(client, name);
  }
}

/** A namespaced test CRD (group `kubetest.storefront.dev`, version v1) of kind `kind`. */
export function testCrd(kind: string, schema: Record<string, unknown> = {}): KubeObject {
  const group = 'kubetest.storefront.dev';
  const singular = kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${singular}s.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: `${singular}s`, singular, kind, listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          ...schema,
        },
      ],
    },
  };
}

/** Applies `crd` and waits until the API server serves its kind. */
export async function installCrd(client: KubeClient, crd: KubeObject): Promise<void> {
  await client.apply(crd, { fieldManager: FIELD_MANAGER, force: true });
  const spec = crd['spec'] as { group: string; names: { kind: string } };
  await eventually(`${spec.names.kind} served`, async () => {
    client.discovery.invalidate();
    return await client.hasApi(spec.group, 'v1', spec.names.kind);
  });
}

export async function deleteCrd(client: KubeClient | undefined, crd: KubeObject): Promise<void> {
  await client?.delete({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    name: crd.metadata.name ?? '',
  });
}
