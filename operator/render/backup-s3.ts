// Where the backup and restore pods find their bucket (destination.s3, restore.from.s3): the
// settings their scripts read (render/backup-s3-script.ts), the key pair by secretKeyRef (never a
// literal in the pod spec, and only in the containers that talk to the bucket), the scratch
// volume the backup is staged in, and the egress their NetworkPolicies add
// (render/network-policies.ts).

import { parseQuantity } from '../api/quantity.ts';
import type { Storefront } from '../api/types.ts';
import type * as k8s from './k8s.ts';

type Database = Storefront['spec']['database'];
export type S3Location = NonNullable<NonNullable<Database['backup']>['destination']['s3']>;

/** The bucket backups are written to, if destination is s3. */
export function backupS3(sf: Storefront): S3Location | undefined {
  return sf.spec.database.backup?.destination.s3;
}

/**
 * The bucket the restore reads: restore.from.s3; with neither s3 nor claimName, this Storefront's
 * own backup destination when that is s3 (else its backups volume).
 */
export function restoreS3(sf: Storefront): S3Location | undefined {
  const from = sf.spec.database.restore?.from;
  if (!from) return undefined;
  if (from.s3) return from.s3;
  return from.claimName ? undefined : backupS3(sf);
}

/** The key prefix: as set, or the Storefront's name and `/`. */
export const s3Prefix = (sf: Storefront, s3: S3Location) => s3.prefix ?? `${sf.metadata.name}/`;

/** The bucket's plain settings: every container of an s3 pod gets them (messages name the bucket). */
export function s3Settings(sf: Storefront, s3: S3Location): k8s.EnvVar[] {
  return [
    { name: 'S3_ENDPOINT', value: s3.endpoint },
    { name: 'S3_BUCKET', value: s3.bucket },
    { name: 'S3_PREFIX', value: s3Prefix(sf, s3) },
    { name: 'S3_REGION', value: s3.region },
  ];
}

/** The key pair, by secretKeyRef: only the transfer containers (the shop image) get it. */
export function s3KeyPair(s3: S3Location): k8s.EnvVar[] {
  const secret = s3.credentialsSecret;
  return [
    {
      name: 'AWS_ACCESS_KEY_ID',
      valueFrom: { secretKeyRef: { name: secret.name, key: secret.accessKeyIdKey } },
    },
    {
      name: 'AWS_SECRET_ACCESS_KEY',
      valueFrom: { secretKeyRef: { name: secret.name, key: secret.secretAccessKeyKey } },
    },
  ];
}

/**
 * The scratch volume's sizeLimit: the database volume's size. A custom-format dump of every
 * database is smaller than the data directory holding them (compressed, indexes as definitions
 * only), so it always fits, and the limit grows with the database; the volume exists only while
 * the Job's pod runs. (A restore stages the backup in the same space: it has to fit in that
 * database anyway.)
 */
export const scratchSize = (sf: Storefront): string => `${scratchMi(sf)}Mi`;
const scratchMi = (sf: Storefront) => Math.ceil(parseQuantity(sf.spec.database.storage.size) / 2 ** 20);

/** Ephemeral storage of a pod with that scratch volume: the volume, /tmp (64Mi) and logs. */
export function scratchEphemeral(sf: Storefront): { request: string; limit: string } {
  return { request: '16Mi', limit: `${scratchMi(sf) + 128}Mi` };
}
