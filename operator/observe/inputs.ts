// What render needs besides the spec, gathered the same way by the operator and the deployer:
// credentials read before anything is generated and created once (ensureCredentials), the
// self-signed certificate reused until renewal (selfSignedInputs), the live volume size.
import type { Storefront } from '../api/types.ts';
import type { KubeObject } from '../core/object.ts';
import { generateCredential, type RenderInputs, requiredCredentials } from '../render/inputs.ts';
import { names } from '../render/names.ts';
import { ensureCredentials } from './credentials.ts';
import type { ObjectReader } from './reader.ts';
import type { TlsDecision } from './self-signed-tls.ts';
import { selfSignedInputs } from './tls-material.ts';

export interface GatherOptions {
  /** Marks a credential Secret created here as the caller's (ownerReference, release metadata). */
  owner: (obj: KubeObject) => KubeObject;
  /** Manager recorded on created Secrets. */
  fieldManager: string;
  /** Create missing Secrets as a server-side dry run: values are fresh, nothing is stored. */
  dryRun?: boolean;
  now: Date;
  /**
   * Create a first selfSigned CA and leaf with POST when the reader knows both names are free
   * (the operator: its apply then skips them). Without it they are only issued here and written
   * by the caller's apply.
   */
  createCertificates?: boolean;
}

export interface GatheredInputs {
  inputs: RenderInputs;
  /** Credential Secrets created by this call (or that a dry run would create). */
  createdSecrets: string[];
  /** Those Secrets, and a CA and leaf created with POST, as the API server returned them (a cache may not hold them yet). */
  createdObjects: KubeObject[];
  /** tls mode selfSigned: what was issued now (if anything) and when to renew. */
  tls?: TlsDecision;
}

type PostgresStatefulSet = KubeObject & {
  spec?: { volumeClaimTemplates?: { spec?: { resources?: { requests?: { storage?: string } } } }[] };
};

export async function gatherInputs(
  reader: ObjectReader,
  sf: Storefront,
  namespace: string,
  options: GatherOptions,
): Promise<GatheredInputs> {
  // The certificate's round trip (its reads, or with createCertificates a first CA and leaf
  // created) goes out together with the credential Secrets', not after it: a new Storefront waits
  // one. Otherwise what is issued is written by the caller's apply.
  const selfSigned =
    sf.spec.ingress.tls.mode === 'selfSigned'
      ? selfSignedInputs(reader, sf, namespace, options.now, options.createCertificates ? options : undefined)
      : undefined;
  // Settled either way: a failure of the credentials must not leave this one unhandled.
  selfSigned?.catch(() => undefined);
  const { values, created, createdObjects } = await ensureCredentials(reader, sf, namespace, options.owner, {
    fieldManager: options.fieldManager,
    ...(options.dryRun ? { dryRun: true } : {}),
  });
  const inputs: RenderInputs = { namespace, credentials: values };
  const sts = (await reader.observed({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    namespace,
    name: names(sf).postgres,
  })) as PostgresStatefulSet | undefined;
  const liveSize = sts?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
  if (liveSize) inputs.observedPostgresVolumeSize = liveSize;
  if (sf.spec.database.restore) inputs.restoreComplete = await restoreComplete(reader, sf, namespace);
  if (!selfSigned) return { inputs, createdSecrets: created, createdObjects };
  const { tls, decision, created: certificates } = await selfSigned;
  inputs.tls = tls;
  return {
    inputs,
    createdSecrets: created,
    createdObjects: [...createdObjects, ...certificates],
    tls: decision,
  };
}

/**
 * Whether the restore is done: the restore Job succeeded, or in database mode cloudnativepg the
 * Cluster has a ready instance (CloudNativePG starts the first instance only once recovery reached
 * its target and the primary was promoted). An app Deployment that exists means it did once (the
 * app is rendered only after it): a restore Job deleted later, or a Cluster briefly without a
 * ready instance, must not take the running shop down.
 */
async function restoreComplete(reader: ObjectReader, sf: Storefront, namespace: string): Promise<boolean> {
  const n = names(sf);
  if (sf.spec.database.mode === 'cloudnativepg') {
    const cluster = (await reader.observed({
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      namespace,
      name: n.cnpgCluster,
    })) as (KubeObject & { status?: { readyInstances?: number } }) | undefined;
    if ((cluster?.status?.readyInstances ?? 0) >= 1) return true;
  } else {
    const job = (await reader.observed({
      apiVersion: 'batch/v1',
      kind: 'Job',
      namespace,
      name: n.restore,
    })) as (KubeObject & { status?: { succeeded?: number } }) | undefined;
    if ((job?.status?.succeeded ?? 0) >= 1) return true;
  }
  const app = await reader.observed({ apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: n.app });
  return app !== undefined;
}

/** Inputs without a cluster (`--dry-run=client`): fresh credentials, no certificate. */
export function offlineInputs(sf: Storefront, namespace: string): RenderInputs {
  return {
    namespace,
    credentials: Object.fromEntries(requiredCredentials(sf).map((k) => [k, generateCredential()])),
  };
}
