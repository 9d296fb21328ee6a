// What render needs besides the spec, gathered from the cluster the same way the operator does:
// credentials read before anything is generated and created once (ensureCredentials), the
// self-signed certificate reused until renewal (selfSignedInputs), the live volume size.
import type { Storefront } from '../api/types.ts';
import { ChildCache } from '../controller/child-cache.ts';
import { ensureCredentials } from '../controller/credentials.ts';
import { selfSignedInputs } from '../controller/tls-material.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/types.ts';
import { generateCredential, type RenderInputs, requiredCredentials } from '../render/inputs.ts';
import { names } from '../render/names.ts';
import { withReleaseMetadata } from './prepare.ts';
import { CLI_FIELD_MANAGER } from './release.ts';

export interface GatheredInputs {
  inputs: RenderInputs;
  /** Credential Secrets created by this call (or that a dry run would create). */
  created: string[];
}

export async function gatherInputs(
  client: KubeClient,
  sf: Storefront,
  namespace: string,
  options: { dryRun?: boolean } = {},
): Promise<GatheredInputs> {
  // No informers here: an empty cache makes every read a GET on the server.
  const cache = new ChildCache();
  const release = { namespace, name: sf.metadata.name };
  const owner = (o: KubeObject) => withReleaseMetadata(o, release);
  const { values, created } = await ensureCredentials(client, cache, sf, namespace, owner, {
    fieldManager: CLI_FIELD_MANAGER,
    ...(options.dryRun ? { dryRun: true } : {}),
  });
  const inputs: RenderInputs = { namespace, credentials: values };
  const sts = await client.tryGet<
    KubeObject & {
      spec?: { volumeClaimTemplates?: { spec?: { resources?: { requests?: { storage?: string } } } }[] };
    }
  >({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    namespace,
    name: names(sf).postgres,
  });
  const liveSize = sts?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
  if (liveSize) inputs.observedPostgresVolumeSize = liveSize;
  if (sf.spec.ingress.tls.mode === 'selfSigned') {
    inputs.tls = (await selfSignedInputs(client, cache, sf, namespace, new Date())).tls;
  }
  return { inputs, created };
}

/** Inputs without a cluster (`--dry-run=client`): fresh credentials, no certificate. */
export function offlineInputs(sf: Storefront, namespace: string): RenderInputs {
  return {
    namespace,
    credentials: Object.fromEntries(requiredCredentials(sf).map((k) => [k, generateCredential()])),
  };
}
