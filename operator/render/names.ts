// Stable names and labels of everything a Storefront renders. Names never carry hashes except
// the migration Job, which is one per pod template by design.
import type { Storefront } from '../api/types.ts';
import { migrationJobName } from './migration.ts';

export const PART_OF = 'storefront';
export const MANAGED_BY = 'storefront';
/** Label every rendered object carries: which Storefront it belongs to (used for watches and prune). */
export const STOREFRONT_LABEL = 'storefront.dev/storefront';

export type Component =
  | 'app'
  | 'migration'
  | 'database'
  | 'cache'
  | 'front-door'
  | 'tls'
  | 'credentials'
  | 'network-policy'
  | 'backup'
  | 'backup-list'
  | 'restore'
  | 'monitoring';

/** The backup CronJob of Storefront `name` (also what `storefront backup create` starts from). */
export const backupCronJobName = (name: string) => `${name}-backup`;
/** The backups volume of Storefront `name` (what `storefront restore --source` restores from). */
export const backupsClaimName = (name: string) => `${name}-backups`;
/**
 * The CloudNativePG Cluster of Storefront `name`, which is also the Barman server name its
 * backups are stored under (CloudNativePG's default: the Cluster's name), so what a cloudnativepg
 * restore of that Storefront's backups reads (render/cloudnativepg-restore.ts).
 */
export const cnpgClusterName = (name: string) => `${name}-postgres`;

/**
 * By Storefront object, as migrationJobName: one render asks ~50 times (every component, the
 * labels of every object), and building the ~30 strings each time showed in the operator's
 * profile (1.6% of its CPU while 200 Storefronts converged). The inputs are checked, so an object
 * edited in place (tests do) is not answered from before its edit. Callers never modify the result.
 */
const namesBySf = new WeakMap<Storefront, { name: string; tlsSecret: string | undefined; value: Names }>();

export type Names = ReturnType<typeof namesOf>;

export function names(sf: Storefront): Names {
  const known = namesBySf.get(sf);
  const name = sf.metadata.name;
  const tlsSecret = sf.spec.ingress.tls.secretName;
  if (known && known.name === name && known.tlsSecret === tlsSecret) return known.value;
  const value = namesOf(sf);
  namesBySf.set(sf, { name, tlsSecret, value });
  return value;
}

function namesOf(sf: Storefront) {
  const n = sf.metadata.name;
  return {
    app: `${n}-app`,
    appSecrets: `${n}-app-secrets`,
    /** A Job's pod template is immutable: the name carries a hash of the rendered template. */
    get migration() {
      return migrationJobName(sf);
    },
    postgres: `${n}-postgres`,
    postgresHeadless: `${n}-postgres-headless`,
    postgresCredentials: `${n}-postgres-credentials`,
    postgresAppCredentials: `${n}-postgres-app-login`,
    /** The PVC the StatefulSet controller creates from the `data` claim template. */
    postgresDataClaim: `data-${n}-postgres-0`,
    cnpgCluster: cnpgClusterName(n),
    cnpgApp: `${n}-postgres-app`,
    cnpgRw: `${n}-postgres-rw`,
    /** The backups volume, its scripts, the CronJob (whose Jobs are `<name>-backup-<n>`). */
    backups: backupsClaimName(n),
    backupScripts: `${n}-backup-scripts`,
    backup: backupCronJobName(n),
    /** The restore Job (spec.database.restore), one per Storefront. */
    restore: `${n}-restore`,
    redis: `${n}-redis`,
    redisCredentials: `${n}-redis-credentials`,
    frontDoor: n,
    httpsRedirect: `${n}-https-redirect`,
    podMonitor: `${n}-app`,
    serviceMonitor: `${n}-app`,
    /** The Service the ServiceMonitor selects: the app pods' metrics port only. */
    metricsService: `${n}-app-metrics`,
    gatewayTlsGrant: `${n}-gateway-tls`,
    responseHeaders: `${n}-response-headers`,
    certificate: `${n}-tls`,
    tlsSecret: sf.spec.ingress.tls.secretName ?? `${n}-tls`,
    tlsCa: `${n}-tls-ca`,
    netpol: (what: string) => `${n}-${what}`,
  };
}

/**
 * The workloads and the labels their pods are selected by: the workloads label their pods with
 * these and the NetworkPolicies select them with these, so the two cannot drift apart.
 */
export const WORKLOADS = {
  app: { component: 'app', name: 'storefront-shop' },
  migration: { component: 'migration', name: 'storefront-migrate' },
  database: { component: 'database', name: 'postgres' },
  cache: { component: 'cache', name: 'redis' },
  backup: { component: 'backup', name: 'storefront-backup' },
  restore: { component: 'restore', name: 'storefront-restore' },
  /** `storefront backup list`'s Job: not a backup (BackupReady does not count it), no network. */
  backupList: { component: 'backup-list', name: 'storefront-backup-list' },
} as const satisfies Record<string, { component: Component; name: string }>;
export type Workload = keyof typeof WORKLOADS;

/** The labels that select one workload's pods (its selector, and its NetworkPolicies' podSelector). */
export function workloadSelector(sf: Storefront, workload: Workload): Record<string, string> {
  const w = WORKLOADS[workload];
  return selectorLabels(sf, w.component, w.name);
}

/** Every label of one workload's objects and pods. */
export function workloadLabels(sf: Storefront, workload: Workload, version: string): Record<string, string> {
  const w = WORKLOADS[workload];
  return labels(sf, w.component, w.name, version);
}

/** Labels that select a component's pods; never change on upgrade (selectors are immutable). */
export function selectorLabels(sf: Storefront, component: Component, name: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': sf.metadata.name,
    'app.kubernetes.io/component': component,
  };
}

/** Every label of an object: selector labels plus part-of, managed-by, version and ours. */
export function labels(
  sf: Storefront,
  component: Component,
  name: string,
  version: string,
): Record<string, string> {
  return {
    ...selectorLabels(sf, component, name),
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/version': labelValue(version),
    [STOREFRONT_LABEL]: sf.metadata.name,
  };
}

/** The version label of an image reference: its tag, or the digest's first 12 hex characters. */
export function imageVersion(image: string): string {
  const at = image.indexOf('@sha256:');
  if (at >= 0) return image.slice(at + 8, at + 20);
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  return colon >= 0 ? image.slice(colon + 1) : 'latest';
}

function labelValue(v: string): string {
  const cleaned = v.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

/** Selector of everything rendered for one Storefront (watch filters and prune). */
export function storefrontSelector(name: string): string {
  return `${STOREFRONT_LABEL}=${name},app.kubernetes.io/managed-by=${MANAGED_BY}`;
}
