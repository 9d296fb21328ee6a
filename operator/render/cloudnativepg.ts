// The database delegated to CloudNativePG: one `postgresql.cnpg.io/v1` Cluster (needs its CRD),
// and with spec.database.backup its backup configuration and a ScheduledBackup
// (cloudnativepg-backup.ts); with spec.database.restore it is bootstrapped by recovery from a
// bucket instead of initdb (cloudnativepg-restore.ts).

import type { Storefront } from '../api/types.ts';
import { cloudNativePgClusterBackup, renderCloudNativePgScheduledBackup } from './cloudnativepg-backup.ts';
import { cloudNativePgRecovery } from './cloudnativepg-restore.ts';
import { POSTGRES_DB, POSTGRES_USER } from './credentials.ts';
import { labels, names } from './names.ts';
import type { Objects } from './objects.ts';

export function renderCloudNativePg(out: Objects, sf: Storefront): void {
  const n = names(sf);
  const db = sf.spec.database;
  const backup = cloudNativePgClusterBackup(sf);
  const recovery = cloudNativePgRecovery(sf);
  out.addCustom({
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: { name: n.cnpgCluster, labels: labels(sf, 'database', 'postgres', db.version) },
    spec: {
      instances: db.instances,
      imageName: db.image ?? `ghcr.io/cloudnative-pg/postgresql:${db.version}`,
      primaryUpdateStrategy: 'unsupervised',
      enablePDB: true,
      bootstrap: recovery?.bootstrap ?? { initdb: { database: POSTGRES_DB, owner: POSTGRES_USER } },
      storage: {
        size: db.storage.size,
        ...(db.storage.storageClassName ? { storageClass: db.storage.storageClassName } : {}),
      },
      resources: { requests: db.resources.requests, limits: db.resources.limits },
      inheritedMetadata: {
        labels: { 'app.kubernetes.io/part-of': 'storefront', 'app.kubernetes.io/instance': sf.metadata.name },
      },
      ...(backup ? { backup } : {}),
      ...(recovery ? { externalClusters: recovery.externalClusters } : {}),
    },
  });
  renderCloudNativePgScheduledBackup(out, sf);
}
