// A release: one revision of one Storefront deployed by the CLI, as stored in the cluster. Pure
// types, names and the codec (JSON -> gzip -> base64 in a Secret of our own type); the store that
// reads and writes them lives in release-store.ts.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Storefront } from '../api/types.ts';
import { maskSecretValues, secretKeys } from '../core/compare.ts';
import type { KubeObject } from '../core/object.ts';

/** Secret type of release records: `kubectl get secret --field-selector type=storefront.dev/release.v1`. */
export const RELEASE_SECRET_TYPE = 'storefront.dev/release.v1';
/** The one field manager every CLI write uses. */
export const CLI_FIELD_MANAGER = 'storefront-cli';

/** Labels on release Secrets (selectable history). */
export const RELEASE_OWNER_LABEL = 'storefront.dev/owner';
export const RELEASE_NAME_LABEL = 'storefront.dev/release-name';
export const RELEASE_STATUS_LABEL = 'storefront.dev/release-status';
export const RELEASE_REVISION_LABEL = 'storefront.dev/release-revision';
export const RELEASE_OWNER = 'storefront-cli';

/** Label and annotation on every object a release applies: which release owns it. */
export const RELEASE_LABEL = 'storefront.dev/release';
export const RELEASE_ANNOTATION = 'storefront.dev/release';

export const RELEASE_STATUSES = [
  'pending-install',
  'pending-upgrade',
  'pending-rollback',
  'deployed',
  'failed',
  'superseded',
  'uninstalling',
] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export function isPending(status: ReleaseStatus): boolean {
  return status.startsWith('pending-') || status === 'uninstalling';
}

/** Who (and what) changed a release. */
export interface AppliedBy {
  /** User of the kubeconfig context (or `in-cluster`). */
  user: string;
  context: string;
  host: string;
  pid: number;
  cliVersion: string;
}

/** A rendered object as recorded: full object, except Secrets, of which only names and keys are kept. */
export type ManifestObject = KubeObject;

export interface Release {
  name: string;
  namespace: string;
  revision: number;
  status: ReleaseStatus;
  /** One line for `history`: "Install complete", "Rollback to 2", "Upgrade failed: …". */
  description: string;
  /** The validated, defaulted spec this revision applied. */
  spec: Storefront;
  /** What this revision applied (Secret values stripped). Empty until the apply finished. */
  objects: ManifestObject[];
  /**
   * Objects of an earlier mode this revision left live instead of pruning, until their replacement
   * is usable (observe/replacements.ts): a later revision prunes them then, uninstall deletes them.
   */
  kept?: ManifestObject[];
  firstDeployed: string;
  lastDeployed: string;
  appliedBy: AppliedBy;
  /** For rollbacks: the revision whose spec was restored. */
  rollbackOf?: number;
}

export function releaseSecretName(name: string, revision: number): string {
  return `sf.release.v1.${name}.v${revision}`;
}

/** `<namespace>/<name>`: the release annotation value on applied objects. */
export function releaseKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

export function encodeRelease(release: Release): string {
  return gzipSync(Buffer.from(JSON.stringify(release), 'utf8')).toString('base64');
}

/**
 * Largest decompressed record read back. A Secret holds at most 1 MiB, but gzip expands a crafted
 * record a thousandfold: without a bound, one planted Secret costs the CLI gigabytes.
 */
export const MAX_RELEASE_BYTES = 32 * 1024 * 1024;

export function decodeRelease(data: string): Release {
  let raw: Buffer;
  try {
    raw = gunzipSync(Buffer.from(data, 'base64'), { maxOutputLength: MAX_RELEASE_BYTES });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw new Error(`the record decompresses to more than ${MAX_RELEASE_BYTES} bytes`);
    throw new Error(`the record is not gzip data: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw new Error(`the record is not JSON: ${(e as Error).message}`);
  }
  const r = parsed as Partial<Release> | null;
  if (
    typeof r !== 'object' ||
    r === null ||
    typeof r.name !== 'string' ||
    typeof r.namespace !== 'string' ||
    typeof r.revision !== 'number' ||
    typeof r.status !== 'string' ||
    typeof r.spec?.spec?.host !== 'string'
  ) {
    throw new Error('the record lacks name, namespace, revision, status or spec');
  }
  return r as Release;
}

/** Drops Secret values: the record says which Secrets exist and their keys, never what is in them. */
export function manifestOf(objects: readonly KubeObject[]): ManifestObject[] {
  return objects.map((o) =>
    o.kind === 'Secret' ? { ...maskSecretValues(o), metadata: { ...o.metadata }, keys: secretKeys(o) } : o,
  );
}

/** The Secret that stores one revision. Labels carry what `list`/`history` filter on. */
export function releaseSecret(release: Release, annotations: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: releaseSecretName(release.name, release.revision),
      namespace: release.namespace,
      labels: {
        [RELEASE_OWNER_LABEL]: RELEASE_OWNER,
        [RELEASE_NAME_LABEL]: release.name,
        [RELEASE_STATUS_LABEL]: release.status,
        [RELEASE_REVISION_LABEL]: String(release.revision),
      },
      annotations,
    },
    type: RELEASE_SECRET_TYPE,
    data: { release: encodeRelease(release) },
  };
}

/** Reads a release back from its Secret; throws naming the Secret when it is not one of ours. */
export function releaseFromSecret(secret: KubeObject): Release {
  const data = (secret.data as Record<string, string> | undefined)?.['release'];
  if (secret.type !== RELEASE_SECRET_TYPE || !data) {
    throw new Error(
      `Secret ${secret.metadata.namespace}/${secret.metadata.name} is not a storefront release record (type ${String(secret.type)})`,
    );
  }
  try {
    return decodeRelease(data);
  } catch (e) {
    throw new Error(
      `Secret ${secret.metadata.namespace}/${secret.metadata.name} holds an unreadable release record: ${(e as Error).message}`,
    );
  }
}
