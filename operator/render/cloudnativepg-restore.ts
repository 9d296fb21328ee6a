// spec.database.restore in database mode cloudnativepg: the Cluster is created by CloudNativePG's
// recovery bootstrap from the physical backups (base backups + WAL archive) that CloudNativePG's
// barmanObjectStore wrote to a bucket, instead of initdb. What is rendered (CloudNativePG v1.28.0,
// api/v1/cluster_types.go, docs/src/recovery.md):
//   - bootstrap.recovery: source = the externalClusters entry below; database/owner = ours, so
//     CloudNativePG generates the <cluster>-app Secret the app reads and, once recovered, sets that
//     role's password from it (recovery copies the source's roles and passwords as they were);
//     recoveryTarget only for a named backup: backupID + targetImmediate (the state at the end of
//     that backup, as our own restore gives), CloudNativePG requiring backupID with
//     targetImmediate. `latest` has no target: CloudNativePG takes the newest base backup and
//     replays all the WAL archived after it (the newest state the bucket holds).
//   - externalClusters: [{ name, barmanObjectStore: { destinationPath, endpointURL,
//     s3Credentials, serverName } }] from restore.from.s3, or from the Storefront's own
//     backup.destination.s3 when that is not given.
// serverName: barman-cloud stores a Cluster's backups under <destinationPath>/<serverName>/ and
// serverName defaults to the name of the Cluster that wrote them, which for a Storefront is
// <storefront>-postgres. Restoring another Storefront's backups therefore needs that Storefront's
// name, and the spec says so as restore.from.storefront (default: this one) rather than as a raw
// serverName: it is the name users know (`storefront restore NEW --source OLD`), and the server name
// is derived by the same function that names the Cluster, so the two cannot drift apart. It is
// always written out (an externalClusters entry without one would read <its own name>/).
//
// Recovery is bootstrap-only in CloudNativePG: it reads spec.bootstrap when it creates the Cluster
// and never again (v1.28.0 internal/controller/cluster_create.go: createPrimaryInstance, the only
// reader, returns as soon as status.latestGeneratedNode is set); there is no in-place restore. Admission sets restore on create only (the
// transition rule in storefront-schema.ts) and the Cluster is owned by the Storefront (a new
// Storefront gets a new Cluster), so this bootstrap is always that of a new Cluster. Were it ever
// rendered onto an existing one, CloudNativePG would ignore it: nothing is restored over running
// data and nothing is deleted. The migration Job and the app are held back until the Cluster has a
// ready instance (render.ts, observe/inputs.ts), i.e. until recovery finished and it was promoted.

import type { Storefront } from '../api/types.ts';
import { restoreS3, type S3Location, s3Prefix } from './backup-s3.ts';
import { barmanDestinationPath } from './cloudnativepg-backup.ts';
import { POSTGRES_DB, POSTGRES_USER } from './credentials.ts';
import { cnpgClusterName } from './names.ts';

/** Name of the externalClusters entry the recovery reads (any name: serverName is explicit). */
export const RECOVERY_SOURCE = 'restore-source';

/** Where a cloudnativepg restore reads: the bucket, the prefix and the Barman server name. */
export interface CloudNativePgRestoreSource {
  s3: S3Location;
  /** `s3://<bucket>/<prefix>` without the trailing slash. */
  destinationPath: string;
  serverName: string;
}

export function cloudNativePgRestoreSource(sf: Storefront): CloudNativePgRestoreSource | undefined {
  const from = sf.spec.database.restore?.from;
  if (sf.spec.database.mode !== 'cloudnativepg' || !from) return undefined;
  // Admission refuses claimName and a missing bucket in this mode; render does not guess.
  const s3 = restoreS3(sf);
  if (!s3) return undefined;
  const owner = from.storefront ?? sf.metadata.name;
  // restore.from.s3 without a prefix: the source Storefront's default prefix (<storefront>/); the
  // own destination: its own prefix as backups are written there.
  const prefix = from.s3 ? (from.s3.prefix ?? `${owner}/`) : s3Prefix(sf, s3);
  return {
    s3,
    destinationPath: barmanDestinationPath(sf, { ...s3, prefix }),
    serverName: cnpgClusterName(owner),
  };
}

/** The Cluster's bootstrap and externalClusters for a restore, or undefined without one. */
export function cloudNativePgRecovery(
  sf: Storefront,
): { bootstrap: Record<string, unknown>; externalClusters: Record<string, unknown>[] } | undefined {
  const source = cloudNativePgRestoreSource(sf);
  const backup = sf.spec.database.restore?.from.backup;
  if (!source || !backup) return undefined;
  const secret = source.s3.credentialsSecret;
  return {
    bootstrap: {
      recovery: {
        source: RECOVERY_SOURCE,
        database: POSTGRES_DB,
        owner: POSTGRES_USER,
        ...(backup === 'latest' ? {} : { recoveryTarget: { backupID: backup, targetImmediate: true } }),
      },
    },
    externalClusters: [
      {
        name: RECOVERY_SOURCE,
        barmanObjectStore: {
          destinationPath: source.destinationPath,
          endpointURL: source.s3.endpoint.replace(/\/$/, ''),
          s3Credentials: {
            accessKeyId: { name: secret.name, key: secret.accessKeyIdKey },
            secretAccessKey: { name: secret.name, key: secret.secretAccessKeyKey },
          },
          serverName: source.serverName,
        },
      },
    ],
  };
}
