// `storefront crd install|upgrade`: server-side apply of the Storefront CRD, so an upgrade really
// upgrades it (Helm never touches CRDs after the first install), then wait until it is served.
import { buildCrd, CRD_NAME } from '../api/crd.ts';
import type { KubeObject } from '../core/object.ts';
import { waitForObject } from '../kube/wait.ts';
import type { DeployContext } from './context.ts';
import { CLI_VERSION } from './identity.ts';
import { CLI_FIELD_MANAGER } from './release.ts';

export async function applyCrd(
  ctx: DeployContext,
  verb: 'install' | 'upgrade',
  timeoutMs: number,
): Promise<void> {
  const crd = buildCrd(CLI_VERSION) as unknown as KubeObject;
  const ref = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: CRD_NAME };
  const before = await ctx.client.tryGet(ref);
  if (verb === 'install' && before) ctx.err(`CRD ${CRD_NAME} exists already; applying this version over it`);
  // force: a CRD first created by kubectl or the operator chart changes hands to this manager.
  await ctx.client.apply(crd, { fieldManager: CLI_FIELD_MANAGER, force: true });
  await waitForObject(
    ctx.client,
    ref,
    (o) =>
      ((o?.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
        (c) => c.type === 'Established' && c.status === 'True',
      ) || 'not Established yet',
    `CRD ${CRD_NAME}`,
    { timeoutMs },
  );
  const from = before?.metadata.labels?.['app.kubernetes.io/version'];
  ctx.out(
    `CRD ${CRD_NAME} ${before ? `upgraded${from ? ` from ${from}` : ''}` : 'installed'} at version ${CLI_VERSION}`,
  );
}
