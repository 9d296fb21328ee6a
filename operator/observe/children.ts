// What computeStatus reads — the children that carry readiness, the optional APIs the spec needs,
// the user's Secrets it references — gathered once for both readers: the operator (informer
// caches) and the deployer's --wait/status (plain GETs).
import type { Storefront } from '../api/types.ts';
import { names, workloadSelector } from '../render/names.ts';
import { appSecretRefs, childKey, type Observed, type ObservedChild } from '../status/conditions.ts';
import { failedJobCauses } from './job-causes.ts';
import { missingOptionalKinds, type OptionalKind, ownedKind } from './owned-kinds.ts';
import type { ObjectReader } from './reader.ts';
import { keptUntilReplaced } from './replacements.ts';

/** The children whose state the conditions read, as `[kind, name]`. */
export function readinessChildren(sf: Storefront): [string, string][] {
  const n = names(sf);
  return [
    ['StatefulSet', n.postgres],
    ['PersistentVolumeClaim', n.postgresDataClaim],
    ['Deployment', n.redis],
    ['Deployment', n.app],
    ['Job', n.migration],
    ['Job', n.restore],
    ['CronJob', n.backup],
    ['ScheduledBackup', n.backup],
    ['Ingress', n.frontDoor],
    ['HTTPRoute', n.frontDoor],
    ['Certificate', n.certificate],
    ['Cluster', n.cnpgCluster],
    ['PodMonitor', n.podMonitor],
    ['ServiceMonitor', n.serviceMonitor],
    ['Secret', n.tlsSecret],
  ];
}

/** Secrets of the user's that the spec references (external services, tls mode `secret`, the app's). */
export function referencedUserSecrets(sf: Storefront): string[] {
  const names_ = [
    sf.spec.database.mode === 'external' ? sf.spec.database.external?.name : undefined,
    sf.spec.cache.mode === 'external' ? sf.spec.cache.external?.name : undefined,
    sf.spec.ingress.tls.mode === 'secret' ? names(sf).tlsSecret : undefined,
    ...appSecretRefs(sf).map((r) => r.name),
  ].filter((s): s is string => !!s);
  return [...new Set(names_)];
}

/**
 * Everything computeStatus needs but the reconcile error. `missingApis` is passed in when the
 * caller already asked discovery (the operator does, once per reconcile), else asked here.
 */
export async function observe(
  reader: ObjectReader,
  sf: Storefront,
  namespace: string,
  missingApis?: ReadonlySet<OptionalKind>,
): Promise<Observed> {
  const children = new Map<string, ObservedChild>();
  await Promise.all(
    readinessChildren(sf).map(async ([kind, name]) => {
      const live = await reader.observed({ apiVersion: ownedKind(kind).apiVersion, kind, namespace, name });
      if (live) children.set(childKey(kind, name), live as unknown as ObservedChild);
    }),
  );
  const missingSecrets: string[] = [];
  for (const name of referencedUserSecrets(sf)) {
    if (!(await reader.confirmed({ apiVersion: 'v1', kind: 'Secret', namespace, name })))
      missingSecrets.push(name);
  }
  const missing = missingApis ?? (await missingOptionalKinds(reader.client, sf));
  // What of an earlier mode still serves (the same decision prune asked), for the conditions to say.
  const kept = keptUntilReplaced(sf, children, missing, namespace).flatMap((k) =>
    k.waitingFor ? [{ kind: k.ref.kind, name: k.ref.name, waitingFor: k.waitingFor }] : [],
  );
  const jobs =
    sf.spec.database.backup && sf.spec.database.mode === 'managed'
      ? await backupJobs(reader, sf, namespace)
      : undefined;
  const restoreJob = children.get(childKey('Job', names(sf).restore));
  const jobCauses = await failedJobCauses(reader.client, namespace, [
    ...(jobs ?? []),
    ...(restoreJob ? [restoreJob] : []),
  ]);
  return {
    children,
    missingApis: missing,
    missingSecrets,
    ...(kept.length ? { keptUntilReplaced: kept } : {}),
    ...(jobs ? { backupJobs: jobs } : {}),
    ...(jobCauses.size ? { jobCauses } : {}),
  };
}

/** The Jobs the backup CronJob (or `storefront backup create`) made: labelled component backup. */
async function backupJobs(reader: ObjectReader, sf: Storefront, namespace: string): Promise<ObservedChild[]> {
  const component = workloadSelector(sf, 'backup')['app.kubernetes.io/component'];
  const jobs = await reader.labelled({ apiVersion: 'batch/v1', kind: 'Job' }, namespace, sf.metadata.name);
  return jobs
    .filter((j) => j.metadata.labels?.['app.kubernetes.io/component'] === component)
    .map((j) => j as unknown as ObservedChild);
}
