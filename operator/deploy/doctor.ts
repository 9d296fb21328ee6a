// `storefront doctor [NAME]`: the preflight an experienced user runs before (or after a failed)
// install — each check one line, OK / WARN / FAIL, with what to do. Also printed by
// `install|upgrade --wait` when the wait fails. Reads only; every probe is a GET, a LIST or a
// SelfSubjectAccessReview (which creates nothing).
import { CRD_NAME } from '../api/crd.ts';
import type { Storefront } from '../api/types.ts';
import { withDefaults } from '../api/validate.ts';
import type { KubeObject } from '../core/object.ts';
import { isForbidden, isNotFound } from '../kube/errors.ts';
import { apiName, type OptionalKind, optionalKindsFor } from '../observe/owned-kinds.ts';
import { STOREFRONT_LABEL } from '../render/names.ts';
import type { DeployContext } from './context.ts';
import {
  type Check,
  type Deployment,
  type Facts,
  type Finding,
  fail,
  type Level,
  nullIfForbidden,
  ok,
  type Target,
  warn,
} from './doctor-finding.ts';
import { ingressClass } from './doctor-ingress.ts';
import { type Pod, podTrouble } from './doctor-pod.ts';
import { CLI_VERSION } from './identity.ts';
import { liveStorefront } from './queries.ts';
import { statusReport } from './status-report.ts';

export type { Finding, Level, Target };

/** Oldest Kubernetes minor the CRD's CEL rules run on (the CIDR library, isCIDR/cidr, is 1.31+). */
export const MIN_KUBERNETES_MINOR = 31;

/** The spec fields each optional API serves, for a WARN that says what will not work without it. */
const OPTIONAL_FOR: Record<OptionalKind, string> = {
  Certificate: 'ingress.tls.mode certManager',
  HTTPRoute: 'ingress.provider gatewayAPI',
  ReferenceGrant: 'ingress.provider gatewayAPI with a Gateway in another namespace',
  Cluster: 'database.mode cloudnativepg',
  ScheduledBackup: 'database.backup in database.mode cloudnativepg',
  PodMonitor: 'monitoring.podMonitor.enabled',
  ServiceMonitor: 'monitoring.serviceMonitor.enabled',
};

/** Verbs the deployer needs in the release namespace (release Secrets, the objects it applies, --wait). */
const NEEDED: { verb: string; group: string; resource: string }[] = [
  { verb: 'create', group: '', resource: 'secrets' },
  { verb: 'patch', group: '', resource: 'secrets' },
  { verb: 'list', group: '', resource: 'secrets' },
  { verb: 'delete', group: '', resource: 'secrets' },
  { verb: 'patch', group: 'apps', resource: 'deployments' },
  { verb: 'patch', group: 'apps', resource: 'statefulsets' },
  { verb: 'patch', group: '', resource: 'services' },
  { verb: 'patch', group: 'networking.k8s.io', resource: 'networkpolicies' },
  { verb: 'patch', group: 'networking.k8s.io', resource: 'ingresses' },
  { verb: 'patch', group: 'batch', resource: 'jobs' },
  { verb: 'list', group: '', resource: 'pods' },
  { verb: 'create', group: 'coordination.k8s.io', resource: 'leases' },
];

async function apiServer(ctx: DeployContext): Promise<Finding[]> {
  let v: { gitVersion?: string; major?: string; minor?: string };
  try {
    v = await ctx.client.transport.request({
      verb: 'get',
      method: 'GET',
      path: '/version',
      context: { verb: 'get', kind: 'version' },
    });
  } catch (e) {
    return [
      fail(
        'api-server',
        `cannot reach the API server: ${(e as Error).message}`,
        'check --kubeconfig/--context (kubectl cluster-info) and the network path to the cluster',
      ),
    ];
  }
  const minor = Number.parseInt(v.minor ?? '', 10);
  if (v.major === '1' && minor >= MIN_KUBERNETES_MINOR)
    return [
      ok('api-server', `reachable, Kubernetes ${v.gitVersion} (supported: 1.${MIN_KUBERNETES_MINOR}+)`),
    ];
  return [
    fail(
      'api-server',
      `Kubernetes ${v.gitVersion ?? `${v.major}.${v.minor}`} is older than 1.${MIN_KUBERNETES_MINOR}: the Storefront CRD's validation rules need the CEL CIDR library`,
      `upgrade the cluster to 1.${MIN_KUBERNETES_MINOR} or later`,
    ),
  ];
}

/** -1, 0 or 1 as semantic version `a` is older than, equal to or newer than `b`; undefined: not x.y.z. */
export function compareVersions(a: string, b: string): number | undefined {
  const parse = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1).map(Number);
  const [x, y] = [parse(a), parse(b)];
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/**
 * Needed when an operator runs (it watches Storefronts) or the Storefront was applied with
 * kubectl; a CLI-only cluster does without it. One older than the CLI is a FAIL whoever uses it:
 * it prunes or refuses the fields this CLI documents.
 */
async function crd(ctx: DeployContext, _target: Target | undefined, facts: Facts): Promise<Finding[]> {
  const ref = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: CRD_NAME };
  let found: KubeObject | undefined;
  try {
    found = await ctx.client.tryGet(ref);
  } catch (e) {
    if (isForbidden(e))
      return [
        warn(
          'crd',
          `cannot read CRD ${CRD_NAME} (forbidden)`,
          'ask a cluster admin to run storefront doctor',
        ),
      ];
    throw e;
  }
  const install = 'storefront crd install (or helm install the operator chart)';
  if (!found) {
    const operators = facts.operators ?? [];
    if (operators.length)
      return [
        fail(
          'crd',
          `CRD ${CRD_NAME} is not installed, and the operator runs (${operators.map((d) => `${d.metadata.namespace}/${d.metadata.name}`).join(', ')}): it has no Storefronts to watch`,
          install,
        ),
      ];
    return [
      warn(
        'crd',
        `CRD ${CRD_NAME} is not installed: releases of storefront install work without it, Storefronts applied with kubectl need it`,
        install,
      ),
    ];
  }
  const version = found.metadata.labels?.['app.kubernetes.io/version'];
  const order = version === undefined ? undefined : compareVersions(version, CLI_VERSION);
  if (order === 0) return [ok('crd', `CRD ${CRD_NAME} installed, version ${version} (matches the CLI)`)];
  const upgrade = 'storefront crd upgrade (or upgrade the operator chart)';
  if (order === -1)
    return [
      fail(
        'crd',
        `CRD ${CRD_NAME} is version ${version}, older than this CLI (${CLI_VERSION}): the API server prunes or refuses the fields it does not know`,
        upgrade,
      ),
    ];
  return [
    warn(
      'crd',
      order === 1
        ? `CRD ${CRD_NAME} is version ${version}, newer than this CLI (${CLI_VERSION}): this CLI does not know its newest fields`
        : `CRD ${CRD_NAME} carries no version label ${version === undefined ? '' : `it can read (${version}) `}(installed by hand?): it may not match this CLI (${CLI_VERSION})`,
      order === 1 ? 'upgrade the storefront CLI' : upgrade,
    ),
  ];
}

type Lease = KubeObject & {
  spec?: { holderIdentity?: string; renewTime?: string; leaseDurationSeconds?: number };
};

/** The operator Deployments in every namespace; undefined when the user may not list them. */
async function operatorDeployments(ctx: DeployContext): Promise<Deployment[] | undefined> {
  try {
    return (
      await ctx.client.list<Deployment>({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        labelSelector: { 'app.kubernetes.io/name': 'storefront-operator' },
      })
    ).items;
  } catch (e) {
    if (isForbidden(e)) return undefined;
    throw e;
  }
}

/** Needed when the Storefront doctor judges was applied with kubectl: nothing else reconciles it. */
async function operator(ctx: DeployContext, target: Target | undefined, facts: Facts): Promise<Finding[]> {
  const deployments = facts.operators;
  if (deployments === undefined)
    return [
      warn(
        'operator',
        'cannot list Deployments in every namespace (forbidden), so the operator was not looked for',
        'ask a cluster admin to run storefront doctor',
      ),
    ];
  if (deployments.length === 0) {
    const fix = 'helm install the chart in charts/storefront-operator if you kubectl apply Storefronts';
    return [
      target?.via === 'kubectl'
        ? fail(
            'operator',
            `no storefront-operator Deployment found, and ${target.sf.metadata.name} was applied with kubectl (it is no release of storefront install): nothing reconciles it`,
            `${fix} (or deploy it with storefront install)`,
          )
        : warn(
            'operator',
            'no storefront-operator Deployment found: releases of storefront install work without it, Storefronts applied with kubectl are not reconciled',
            fix,
          ),
    ];
  }
  const out: Finding[] = [];
  for (const d of deployments) {
    const where = `${d.metadata.namespace}/${d.metadata.name}`;
    const want = d.spec?.replicas ?? 1;
    const ready = d.status?.readyReplicas ?? 0;
    if (want > 0 && ready === 0) {
      out.push(
        fail(
          'operator',
          `operator Deployment ${where}: 0/${want} replicas ready`,
          `kubectl -n ${d.metadata.namespace} describe deployment ${d.metadata.name}; kubectl -n ${d.metadata.namespace} logs deployment/${d.metadata.name}`,
        ),
      );
      continue;
    }
    out.push(ok('operator', `operator Deployment ${where}: ${ready}/${want} replicas ready`));
    out.push(await leaderLease(ctx, d.metadata.namespace!));
  }
  return out;
}

async function leaderLease(ctx: DeployContext, namespace: string): Promise<Finding> {
  const lease = await ctx.client
    .tryGet<Lease>({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      namespace,
      name: 'storefront-operator',
    })
    .catch(nullIfForbidden);
  if (lease === null)
    return warn(
      'leader-lease',
      `cannot read Lease ${namespace}/storefront-operator (forbidden)`,
      'ask a cluster admin',
    );
  if (!lease?.spec?.renewTime)
    return warn(
      'leader-lease',
      `no leader Lease ${namespace}/storefront-operator (leader election off, or the operator never led)`,
      `kubectl -n ${namespace} logs deployment/storefront-operator`,
    );
  const ageS = (ctx.clock.now() - Date.parse(lease.spec.renewTime)) / 1000;
  const duration = lease.spec.leaseDurationSeconds ?? 15;
  return ageS <= duration * 2
    ? ok('leader-lease', `leader ${lease.spec.holderIdentity}, renewed ${Math.round(ageS)}s ago`)
    : fail(
        'leader-lease',
        `leader Lease ${namespace}/storefront-operator last renewed ${Math.round(ageS)}s ago (lease ${duration}s): no operator is leading`,
        `kubectl -n ${namespace} logs deployment/storefront-operator (is it stuck, or cut off from the API server?)`,
      );
}

async function rbac(ctx: DeployContext): Promise<Finding[]> {
  const denied: string[] = [];
  await Promise.all(
    NEEDED.map(async (n) => {
      const review = await ctx.client.create<KubeObject & { status?: { allowed?: boolean } }>({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: {},
        spec: {
          resourceAttributes: {
            namespace: ctx.namespace,
            verb: n.verb,
            group: n.group,
            resource: n.resource,
          },
        },
      } as KubeObject);
      if (!review.status?.allowed)
        denied.push(`${n.verb} ${n.group ? `${n.resource}.${n.group}` : n.resource}`);
    }),
  );
  if (denied.length === 0)
    return [ok('rbac', `you may do what install/upgrade/uninstall need in namespace ${ctx.namespace}`)];
  return [
    fail(
      'rbac',
      `in namespace ${ctx.namespace} you may not: ${denied.sort().join(', ')}`,
      `ask for a Role granting these in ${ctx.namespace} (kubectl auth can-i --list -n ${ctx.namespace} shows what you have)`,
    ),
  ];
}

async function optionalApis(ctx: DeployContext, target: Target | undefined): Promise<Finding[]> {
  const sf = target?.sf;
  const needed = sf ? optionalKindsFor(sf) : new Set<OptionalKind>();
  const out: Finding[] = [];
  for (const kind of Object.keys(OPTIONAL_FOR) as OptionalKind[]) {
    const [apiVersion] = apiName(kind).split(' ');
    const served = await ctx.client.resourceFor(apiVersion!, kind);
    const check = `api ${kind}`;
    if (served) out.push(ok(check, `${apiName(kind)} is served`));
    else if (needed.has(kind) && kind !== 'ReferenceGrant')
      out.push(
        fail(
          check,
          `${apiName(kind)} is not served, and ${sf!.metadata.name} sets ${OPTIONAL_FOR[kind]}`,
          `install its CRDs/controller, or change ${OPTIONAL_FOR[kind]}`,
        ),
      );
    else
      out.push(
        warn(
          check,
          `${apiName(kind)} is not served: ${OPTIONAL_FOR[kind]} will not work`,
          'install it before using that field',
        ),
      );
  }
  return out;
}

async function storageClass(ctx: DeployContext, target: Target | undefined): Promise<Finding[]> {
  const sf = target?.sf;
  const { items } = await ctx.client
    .list({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass' })
    .catch((e) => (isForbidden(e) ? { items: undefined } : Promise.reject(e)));
  if (!items) return [warn('storage-class', 'cannot list StorageClasses (forbidden)', 'ask a cluster admin')];
  const isDefault = (o: KubeObject) =>
    o.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
  const def = items.find(isDefault);
  if (def) return [ok('storage-class', `default StorageClass ${def.metadata.name}`)];
  const needs =
    sf && sf.spec.database.mode === 'managed' && !sf.spec.database.storage.storageClassName
      ? `${sf.metadata.name}'s database volume (database.storage.storageClassName unset) will stay Pending`
      : undefined;
  const fix =
    'mark one default (storageclass.kubernetes.io/is-default-class: "true") or set database.storage.storageClassName';
  return [
    needs
      ? fail('storage-class', `no default StorageClass: ${needs}`, fix)
      : warn(
          'storage-class',
          'no default StorageClass: managed databases need database.storage.storageClassName',
          fix,
        ),
  ];
}

async function podSecurity(ctx: DeployContext): Promise<Finding[]> {
  const ns = await ctx.client
    .tryGet({ apiVersion: 'v1', kind: 'Namespace', name: ctx.namespace })
    .catch(nullIfForbidden);
  if (ns === null)
    return [
      warn('pod-security', `cannot read namespace ${ctx.namespace} (forbidden)`, 'ask a cluster admin'),
    ];
  if (!ns)
    return [
      warn(
        'pod-security',
        `namespace ${ctx.namespace} does not exist`,
        'create it, or pass --create-namespace to install',
      ),
    ];
  const level = ns.metadata.labels?.['pod-security.kubernetes.io/enforce'];
  return level === 'restricted'
    ? [ok('pod-security', `namespace ${ctx.namespace} enforces Pod Security restricted`)]
    : [
        warn(
          'pod-security',
          `namespace ${ctx.namespace} enforces Pod Security ${level ?? '(none: privileged)'}; every Storefront pod is admissible under restricted`,
          `kubectl label namespace ${ctx.namespace} pod-security.kubernetes.io/enforce=restricted`,
        ),
      ];
}

async function storefrontFindings(ctx: DeployContext, name: string): Promise<Finding[]> {
  let report: Awaited<ReturnType<typeof statusReport>>;
  try {
    report = await statusReport(ctx, name, new Date(ctx.clock.now()));
  } catch (e) {
    return [fail(`storefront ${name}`, (e as Error).message, 'check the name and -n NAMESPACE')];
  }
  const out: Finding[] = [];
  for (const c of report.conditions) {
    if (c.type === 'Suspended') continue;
    out.push(
      c.status === 'True'
        ? ok(`condition ${c.type}`, `${c.reason}: ${c.message}`)
        : c.type === 'MonitoringReady'
          ? warn(
              `condition ${c.type}`,
              `${c.reason}: ${c.message}`,
              'see the message (Ready does not wait for it)',
            )
          : fail(
              `condition ${c.type}`,
              `${c.reason}: ${c.message}`,
              `storefront status ${name} -n ${ctx.namespace}`,
            ),
    );
  }
  const { items: pods } = await ctx.client.list<Pod>({
    apiVersion: 'v1',
    kind: 'Pod',
    namespace: ctx.namespace,
    labelSelector: { [STOREFRONT_LABEL]: name },
  });
  for (const p of pods) {
    const trouble = podTrouble(p);
    if (trouble)
      out.push(
        fail(
          `pod ${p.metadata.name}`,
          trouble,
          `kubectl -n ${ctx.namespace} describe pod ${p.metadata.name}`,
        ),
      );
  }
  for (const w of report.warnings.slice(0, 5))
    out.push(
      warn(`event ${w.object}`, `${w.reason}: ${w.message}`, `kubectl -n ${ctx.namespace} get events`),
    );
  return out;
}

/** The spec `doctor NAME` judges the cluster against: the release's, else the Storefront object's. */
async function specOf(ctx: DeployContext, name: string): Promise<Target | undefined> {
  const latest = (await ctx.store.history(ctx.namespace, name)).at(-1)?.release;
  if (latest) return { sf: latest.spec, via: 'release' };
  const o = await liveStorefront<Storefront & KubeObject>(ctx, name);
  return o ? { sf: withDefaults(o), via: 'kubectl' } : undefined;
}

/**
 * Runs every check, judging the cluster against the Storefront `name` (its release, else the
 * object applied with kubectl) or the spec `file` (-f, not deployed yet); what a spec needs and
 * the cluster lacks is a FAIL. The API server comes first: when it cannot be reached, nothing
 * else can be asked and that one FAIL is the answer.
 */
export async function doctor(ctx: DeployContext, name?: string, file?: Storefront): Promise<Finding[]> {
  const first = await apiServer(ctx);
  if (first[0]!.level === 'FAIL') return first;
  const target: Target | undefined = file
    ? { sf: file, via: 'file' }
    : name
      ? await specOf(ctx, name).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)))
      : undefined;
  const facts: Facts = { operators: await operatorDeployments(ctx) };
  const checks: Check[] = [crd, operator, rbac, optionalApis, ingressClass, storageClass, podSecurity];
  const out = [...first];
  for (const check of checks) out.push(...(await check(ctx, target, facts)));
  if (name) out.push(...(await storefrontFindings(ctx, name)));
  return out;
}

export function formatFindings(findings: Finding[]): string {
  const width = Math.max(...findings.map((f) => f.check.length));
  const lines = findings.map(
    (f) =>
      `${f.level.padEnd(4)}  ${f.check.padEnd(width)}  ${f.message}${f.fix ? `\n${' '.repeat(width + 8)}→ ${f.fix}` : ''}`,
  );
  const count = (l: Level) => findings.filter((f) => f.level === l).length;
  return `${lines.join('\n')}\n${count('FAIL')} failed, ${count('WARN')} warnings, ${count('OK')} ok\n`;
}
