// computeStatus(storefront, observed, now) -> status. Pure: what the children look like goes in,
// the condition tree comes out; the clock is an argument. The operator writes the result only when
// it differs from what is stored, and `storefront install --wait` uses the same function.

import type { Condition, Storefront, StorefrontStatus } from '../api/types.ts';
import { trueCondition } from '../core/object.ts';
import type { OptionalKind } from '../observe/owned-kinds.ts';
import { GATEWAY_LIMITS_NOTE } from '../render/gateway-routes.ts';
import { names, workloadSelector } from '../render/names.ts';
import { NOT_AFTER_ANNOTATION } from '../render/tls.ts';
import { backupTimes, backupVerdict, restoreVerdict } from './backup.ts';

/** The parts of live objects status looks at (plain JSON as the API server returns it). */
export interface ObservedChild {
  metadata: { name: string; uid?: string; generation?: number; deletionTimestamp?: string };
  // biome-ignore lint/suspicious/noExplicitAny: status shapes differ per kind; read defensively
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: idem
  status?: any;
}

/** The key of a live child in Observed.children: `Kind/name` (e.g. `Deployment/shop-app`). */
export function childKey(kind: string, name: string): string {
  return `${kind}/${name}`;
}

export interface Observed {
  /** Live children by childKey. */
  children: Map<string, ObservedChild>;
  /** Kinds of optional APIs the spec needs but the cluster does not serve. */
  missingApis: ReadonlySet<OptionalKind>;
  /** Secrets of the user that the spec references and that do not exist. */
  missingSecrets: string[];
  /** Why the last apply failed, already free of secret values; undefined when it succeeded. */
  reconcileError?: string;
  /**
   * Objects of an earlier mode the operator keeps serving until their replacement is usable
   * (observe/replacements.ts), with what the replacement waits for.
   */
  keptUntilReplaced?: { kind: string; name: string; waitingFor: string }[];
  /** Jobs of the backup CronJob (and `storefront backup create`), when spec.database.backup is set. */
  backupJobs?: ObservedChild[];
  /**
   * Why failed backup and restore Jobs failed, by Job name: their pod's termination message, one
   * line, bounded, credentials blanked (observe/job-causes.ts).
   */
  jobCauses?: ReadonlyMap<string, string>;
}

/** `; <Kind> <name> keeps serving the shop until <what it waits for>` when one is kept, else ''. */
function keptNote(o: Observed, kind: string, name: string): string {
  const kept = o.keptUntilReplaced?.find((k) => k.kind === kind && k.name === name);
  return kept ? `; ${kind} ${name} keeps serving the shop until ${kept.waitingFor}` : '';
}

export const COMPONENT_CONDITIONS = [
  'DatabaseReady',
  'CacheReady',
  'AppReady',
  'IngressReady',
  'TLSReady',
] as const;
export type ComponentCondition = (typeof COMPONENT_CONDITIONS)[number];

/** IngressReady's reason while no controller has published an address for the Ingress. */
export const NO_ADDRESS = 'NoAddress';

/**
 * Condition present only while spec.monitoring.podMonitor or serviceMonitor is enabled. Not part of Ready (Ready means
 * the shop is served; a missing monitoring API does not stop that), and said so in its message.
 */
export const MONITORING_READY = 'MonitoringReady';
/** Conditions present only with spec.database.backup / spec.database.restore. */
export const BACKUP_READY = 'BackupReady';
export const RESTORED = 'Restored';

/** Condition present (True) only while spec.suspend is true. */
export const SUSPENDED = 'Suspended';

interface Verdict {
  ok: boolean;
  reason: string;
  message: string;
}

const yes = (reason: string, message: string): Verdict => ({ ok: true, reason, message });
const no = (reason: string, message: string): Verdict => ({ ok: false, reason, message });

const SUSPENDED_VERDICT = yes(
  'SuspendedBySpec',
  'spec.suspend is true: the operator applies, corrects and prunes nothing (the other conditions are observed only); set it to false to resume',
);

function deploymentAvailable(d: ObservedChild | undefined, what: string, wantReplicas?: number): Verdict {
  if (!d) return no('Creating', `${what} does not exist yet`);
  const s = d.status ?? {};
  const want = wantReplicas ?? d.spec?.replicas ?? 1;
  if ((s.observedGeneration ?? 0) < (d.metadata.generation ?? 0))
    return no('Progressing', `${what}: rollout not yet observed`);
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  if (updated < want || available < want) {
    return no('Progressing', `${what}: ${available}/${want} replicas available, ${updated} updated`);
  }
  return yes('Available', `${what}: ${available}/${want} replicas available`);
}

function database(sf: Storefront, o: Observed): Verdict {
  const n = names(sf);
  switch (sf.spec.database.mode) {
    case 'external':
      return o.missingSecrets.includes(sf.spec.database.external!.name)
        ? no(
            'SecretMissing',
            `Secret ${sf.spec.database.external!.name} with the database URL does not exist`,
          )
        : yes('External', `using the database from Secret ${sf.spec.database.external!.name}`);
    case 'cloudnativepg': {
      if (o.missingApis.has('Cluster')) {
        return no(
          'MissingAPI',
          'database mode cloudnativepg needs CloudNativePG (postgresql.cnpg.io/v1 Cluster), which this cluster does not serve',
        );
      }
      const c = o.children.get(childKey('Cluster', n.cnpgCluster));
      const ready = c?.status?.readyInstances ?? 0;
      return ready >= sf.spec.database.instances
        ? yes('Ready', `Cluster ${n.cnpgCluster}: ${ready}/${sf.spec.database.instances} instances ready`)
        : no(
            'Provisioning',
            `Cluster ${n.cnpgCluster}: ${ready}/${sf.spec.database.instances} instances ready`,
          );
    }
    case 'managed': {
      const sts = o.children.get(childKey('StatefulSet', n.postgres));
      const pvc = o.children.get(childKey('PersistentVolumeClaim', n.postgresDataClaim));
      if (!sts) return no('Creating', `StatefulSet ${n.postgres} does not exist yet`);
      const phase = pvc?.status?.phase ?? 'not created';
      if (phase !== 'Bound')
        return no('VolumePending', `PersistentVolumeClaim ${n.postgresDataClaim} is ${phase}`);
      const ready = sts.status?.readyReplicas ?? 0;
      if ((sts.status?.observedGeneration ?? 0) < (sts.metadata.generation ?? 0) || ready < 1) {
        return no('Provisioning', `StatefulSet ${n.postgres}: ${ready}/1 ready`);
      }
      return yes('Ready', `StatefulSet ${n.postgres}: 1/1 ready, volume ${n.postgresDataClaim} bound`);
    }
  }
}

function cache(sf: Storefront, o: Observed): Verdict {
  const n = names(sf);
  switch (sf.spec.cache.mode) {
    case 'disabled':
      return yes('Disabled', 'the shop runs without a cache');
    case 'external':
      return o.missingSecrets.includes(sf.spec.cache.external!.name)
        ? no('SecretMissing', `Secret ${sf.spec.cache.external!.name} with the Redis URL does not exist`)
        : yes('External', `using the cache from Secret ${sf.spec.cache.external!.name}`);
    case 'managed':
      return deploymentAvailable(o.children.get(childKey('Deployment', n.redis)), `Deployment ${n.redis}`, 1);
  }
}

/** App replicas the spec asks for; with autoscaling on, what the HPA last set. */
function wantedAppReplicas(sf: Storefront, dep: ObservedChild | undefined): number {
  return sf.spec.app.autoscaling.enabled
    ? (dep?.spec?.replicas ?? sf.spec.app.autoscaling.minReplicas)
    : sf.spec.app.replicas;
}

/** The user's Secrets the app's containers read, each with the spec field that names it. */
export function appSecretRefs(sf: Storefront): { name: string; field: string }[] {
  const admin = sf.spec.app.adminTokenSecret;
  return [
    ...(admin ? [{ name: admin.name, field: 'spec.app.adminTokenSecret' }] : []),
    ...(sf.spec.app.env ?? []).flatMap((e, i) =>
      e.secretKeyRef ? [{ name: e.secretKeyRef.name, field: `spec.app.env[${i}].secretKeyRef` }] : [],
    ),
  ];
}

function app(sf: Storefront, o: Observed): Verdict {
  const n = names(sf);
  // Checked first: without the Secret no app or migration pod starts, whatever else holds.
  const missing = appSecretRefs(sf).find((r) => o.missingSecrets.includes(r.name));
  if (missing)
    return no(
      'SecretMissing',
      `Secret ${missing.name} (${missing.field}) does not exist: the app's pods cannot start until it is created`,
    );
  const restore = restoreVerdict(sf, o);
  if (restore && !restore.ok)
    return no(
      restore.reason === 'RestoreFailed' ? 'RestoreFailed' : 'WaitingForRestore',
      `the app is not started until the restore succeeded: ${restore.message}`,
    );
  const job = o.children.get(childKey('Job', n.migration));
  if (!job) return no('Migrating', `migration Job ${n.migration} does not exist yet`);
  const failed = trueCondition(job.status?.conditions as Condition[] | undefined, 'Failed');
  if (failed)
    return no(
      'MigrationFailed',
      `migration Job ${n.migration} failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim(),
    );
  if (!(job.status?.succeeded >= 1)) return no('Migrating', `migration Job ${n.migration} is running`);
  const dep = o.children.get(childKey('Deployment', n.app));
  return deploymentAvailable(dep, `Deployment ${n.app}`, wantedAppReplicas(sf, dep));
}

function frontDoor(sf: Storefront, o: Observed): Verdict {
  const n = names(sf);
  if (sf.spec.ingress.provider === 'gatewayAPI') {
    const kept = keptNote(o, 'Ingress', n.frontDoor);
    if (o.missingApis.has('HTTPRoute')) {
      return no(
        'MissingAPI',
        `provider gatewayAPI needs the Gateway API (gateway.networking.k8s.io/v1 HTTPRoute), which this cluster does not serve${kept}`,
      );
    }
    const route = o.children.get(childKey('HTTPRoute', n.frontDoor));
    if (!route) return no('Creating', `HTTPRoute ${n.frontDoor} does not exist yet${kept}`);
    const parents: { conditions?: Condition[] }[] = route.status?.parents ?? [];
    const accepted = parents.some((p) => trueCondition(p.conditions, 'Accepted'));
    const note = `; ${GATEWAY_LIMITS_NOTE}`;
    if (accepted) return yes('Accepted', `HTTPRoute ${n.frontDoor} accepted by its Gateway${note}`);
    // The switch from nginx is under way: the old Ingress still serves, so the shop is reachable.
    if (kept) return yes('WaitingForGateway', `HTTPRoute ${n.frontDoor} applied${kept}${note}`);
    return yes('Configured', `HTTPRoute ${n.frontDoor} applied; no Gateway has reported on it yet${note}`);
  }
  const ing = o.children.get(childKey('Ingress', n.frontDoor));
  if (!ing) return no('Creating', `Ingress ${n.frontDoor} does not exist yet`);
  const lb: { ip?: string; hostname?: string }[] = ing.status?.loadBalancer?.ingress ?? [];
  const address = lb.map((a) => a.ip ?? a.hostname).filter(Boolean);
  return address.length
    ? yes('Published', `Ingress ${n.frontDoor} served at ${address.join(', ')}`)
    : // Documented choice (README, Status): Ready does not wait for an address, since controllers
      // run with hostNetwork or a NodePort may never publish one; the reason says so plainly.
      yes(
        NO_ADDRESS,
        `no ingress controller has admitted Ingress ${n.frontDoor} (it has no address): is a controller for class ${sf.spec.ingress.className} installed and running? Until one publishes an address the shop may not be reachable through it`,
      );
}

/** The monitoring kinds the spec enables, with their names and the field that enables each. */
function monitors(
  sf: Storefront,
): { kind: 'PodMonitor' | 'ServiceMonitor'; name: string; field: string; what: string }[] {
  const n = names(sf);
  const { podMonitor, serviceMonitor } = sf.spec.monitoring;
  return [
    ...(podMonitor.enabled
      ? [
          {
            kind: 'PodMonitor' as const,
            name: n.podMonitor,
            field: 'podMonitor',
            what: "the app pods' metrics port",
          },
        ]
      : []),
    ...(serviceMonitor.enabled
      ? [
          {
            kind: 'ServiceMonitor' as const,
            name: n.serviceMonitor,
            field: 'serviceMonitor',
            what: `the metrics port of Service ${n.metricsService}`,
          },
        ]
      : []),
  ];
}

function monitoring(sf: Storefront, o: Observed): Verdict {
  const wanted = monitors(sf);
  const missing = wanted.filter((m) => o.missingApis.has(m.kind));
  if (missing.length)
    return no(
      'MissingAPI',
      missing
        .map(
          (m) =>
            `monitoring.${m.field} needs the Prometheus Operator (monitoring.coreos.com/v1 ${m.kind}), which this cluster does not serve: install it, or set monitoring.${m.field}.enabled false`,
        )
        .join('; ') + ' (Ready does not wait for monitoring)',
    );
  const absent = wanted.find((m) => !o.children.has(childKey(m.kind, m.name)));
  return absent
    ? no('Creating', `${absent.kind} ${absent.name} does not exist yet`)
    : yes('Configured', wanted.map((m) => `${m.kind} ${m.name} selects ${m.what}`).join('; '));
}

function tls(sf: Storefront, o: Observed, now: Date): Verdict {
  const n = names(sf);
  const mode = sf.spec.ingress.tls.mode;
  switch (mode) {
    case 'none':
      return yes('Disabled', 'TLS is off (tls.mode none)');
    case 'secret':
      return o.missingSecrets.includes(n.tlsSecret)
        ? no(
            'SecretMissing',
            `TLS Secret ${n.tlsSecret} does not exist; create it with kubectl create secret tls`,
          )
        : yes('UserProvided', `using TLS Secret ${n.tlsSecret}`);
    case 'selfSigned': {
      const secret = o.children.get(childKey('Secret', n.tlsSecret));
      if (!secret) return no('Issuing', `self-signed certificate for ${sf.spec.host} not issued yet`);
      const notAfter = (secret.metadata as { annotations?: Record<string, string> }).annotations?.[
        NOT_AFTER_ANNOTATION
      ];
      if (notAfter && new Date(notAfter) <= now)
        return no('Expired', `certificate in Secret ${n.tlsSecret} expired at ${notAfter}`);
      return yes(
        'Issued',
        `self-signed certificate for ${sf.spec.host} in Secret ${n.tlsSecret}${notAfter ? `, valid until ${notAfter}` : ''}`,
      );
    }
    case 'certManager': {
      const kept = keptNote(o, 'Secret', n.tlsSecret);
      if (o.missingApis.has('Certificate')) {
        return no(
          'MissingAPI',
          `tls mode certManager needs cert-manager (cert-manager.io/v1 Certificate), which this cluster does not serve${kept}`,
        );
      }
      const cert = o.children.get(childKey('Certificate', n.certificate));
      if (!cert) return no('Creating', `Certificate ${n.certificate} does not exist yet${kept}`);
      const ready = (cert.status?.conditions ?? []).find((c: Condition) => c.type === 'Ready');
      return ready?.status === 'True'
        ? yes('Issued', `Certificate ${n.certificate} is ready`)
        : no(
            'Issuing',
            `Certificate ${n.certificate}: ${ready?.message ?? 'waiting for cert-manager to issue it'}${kept}`,
          );
    }
  }
}

export function storefrontUrl(sf: Storefront): string {
  return `${sf.spec.ingress.tls.mode === 'none' ? 'http' : 'https'}://${sf.spec.host}/`;
}

/**
 * The status for what was observed. `lastTransitionTime` moves only when a condition's status
 * changes, so a steady state produces a status identical to the stored one (and no write).
 */
export function computeStatus(sf: Storefront, observed: Observed, now: Date): StorefrontStatus {
  const generation = sf.metadata.generation ?? 0;
  const previous = new Map((sf.status?.conditions ?? []).map((c) => [c.type, c]));
  const verdicts: Record<ComponentCondition, Verdict> = {
    DatabaseReady: database(sf, observed),
    CacheReady: cache(sf, observed),
    AppReady: app(sf, observed),
    IngressReady: frontDoor(sf, observed),
    TLSReady: tls(sf, observed, now),
  };
  const failing = COMPONENT_CONDITIONS.filter((c) => !verdicts[c].ok);
  const ready: Verdict = observed.reconcileError
    ? no('ReconcileError', observed.reconcileError)
    : failing.length === 0
      ? yes(
          'Ready',
          verdicts.IngressReady.reason === NO_ADDRESS
            ? `the shop is served at ${storefrontUrl(sf)} once an ingress controller admits it: none has published an address yet (see IngressReady NoAddress)`
            : `the shop is served at ${storefrontUrl(sf)}`,
        )
      : no(
          failing[0]!.replace('Ready', 'NotReady'),
          failing.map((c) => `${c}: ${verdicts[c].message}`).join('; '),
        );
  const condition = (type: string, v: Verdict): Condition => {
    const status = v.ok ? 'True' : 'False';
    const prev = previous.get(type);
    return {
      type,
      status,
      observedGeneration: generation,
      lastTransitionTime:
        prev && prev.status === status
          ? prev.lastTransitionTime
          : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      reason: v.reason,
      message: v.message,
    };
  };
  const conditions = [
    condition('Ready', ready),
    ...COMPONENT_CONDITIONS.map((c) => condition(c, verdicts[c])),
  ];
  // Present only when the spec asks for them: a failed backup does not make the shop unready.
  const backup = backupVerdict(sf, observed);
  if (backup) conditions.push(condition(BACKUP_READY, backup));
  const restore = restoreVerdict(sf, observed);
  if (restore) conditions.push(condition(RESTORED, restore));
  // Only while suspended: the components above are what is observed, nothing is being corrected.
  if (sf.spec.monitoring.podMonitor.enabled || sf.spec.monitoring.serviceMonitor.enabled)
    conditions.push(condition(MONITORING_READY, monitoring(sf, observed)));
  if (sf.spec.suspend) conditions.push(condition(SUSPENDED, SUSPENDED_VERDICT));
  const backups = backupTimes(sf, observed);
  return {
    observedGeneration: generation,
    url: storefrontUrl(sf),
    ...summary(sf, observed, verdicts),
    ...(backups ? { backups } : {}),
    conditions,
  };
}

/**
 * What `kubectl get sf` and the scale subresource read: app Pods (status.replicas, the selector an
 * HPA counts them by) and one word per component.
 */
function summary(
  sf: Storefront,
  o: Observed,
  verdicts: Record<ComponentCondition, Verdict>,
): Pick<StorefrontStatus, 'replicas' | 'selector' | 'components'> {
  const dep = o.children.get(childKey('Deployment', names(sf).app));
  return {
    replicas: dep?.status?.replicas ?? 0,
    selector: Object.entries(workloadSelector(sf, 'app'))
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    components: {
      app: `${dep?.status?.availableReplicas ?? 0}/${wantedAppReplicas(sf, dep)}`,
      database: verdicts.DatabaseReady.reason,
      cache: verdicts.CacheReady.reason,
    },
  };
}

/** Whether two statuses differ in anything a write would change. */
export function statusChanged(a: StorefrontStatus | undefined, b: StorefrontStatus): boolean {
  return JSON.stringify(normalise(a)) !== JSON.stringify(normalise(b));
}

function normalise(s: StorefrontStatus | undefined) {
  if (!s) return undefined;
  return {
    observedGeneration: s.observedGeneration,
    url: s.url,
    replicas: s.replicas,
    selector: s.selector,
    components: s.components && {
      app: s.components.app,
      database: s.components.database,
      cache: s.components.cache,
    },
    backups: s.backups && {
      lastSuccessfulTime: s.backups.lastSuccessfulTime,
      lastFailedTime: s.backups.lastFailedTime,
    },
    conditions: [...(s.conditions ?? [])]
      .sort((x, y) => x.type.localeCompare(y.type))
      .map((c) => ({
        type: c.type,
        status: c.status,
        observedGeneration: c.observedGeneration,
        lastTransitionTime: c.lastTransitionTime,
        reason: c.reason,
        message: c.message,
      })),
  };
}
