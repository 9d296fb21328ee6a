// `storefront doctor` against the local control plane: a healthy cluster passes (exit 0); a cluster
// lacking each prerequisite a Storefront needs fails (exit 1) with exactly that finding — the CRD
// (missing while an operator runs, or older than the CLI), the operator (missing for a kubectl
// Storefront, not ready, stale Lease), the cert-manager / Gateway API / CloudNativePG / Prometheus
// Operator APIs, the IngressClass, ingress-nginx's allowed HSTS header, a default StorageClass,
// RBAC — and a failed `install --wait` prints the findings before its error.
//
// Cluster-scoped things this file removes (optional CRDs, the default StorageClass mark, the
// Storefront CRD for one case) are put back as they were. Before the CRD is deleted, the finalizers
// of Storefronts that earlier files left behind (their operators stopped with the files) are
// dropped: nothing would ever release them, and the CRD's deletion would wait forever.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageClassName, writeUserKubeconfig } from '../cluster/harness.ts';
import {
  cluster,
  installCrd,
  k,
  kJson,
  kTry,
  restrictedNamespace,
  storefrontDoc,
  waitFor,
} from '../operator/support.ts';
import { explain, sf, specFile } from './support.ts';

/**
 * Drops the finalizers of every Storefront in the cluster: files that ran before this one stopped
 * their operators and left Storefronts holding the operator's finalizer, which nothing would release.
 */
function releaseLeftStorefronts(): void {
  const items: { metadata: { name: string; namespace: string; finalizers?: string[] } }[] =
    kJson(['get', 'storefronts', '-A', '-o', 'json']).items ?? [];
  for (const { metadata: m } of items)
    if (m.finalizers?.length)
      kTry([
        'patch',
        'storefront',
        m.name,
        '-n',
        m.namespace,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ]);
}

interface Finding {
  check: string;
  level: 'OK' | 'WARN' | 'FAIL';
  message: string;
  fix?: string;
}

/** The optional APIs' CRDs: removed for the file (a spec needing one must fail), restored after. */
const OPTIONAL_CRDS = [
  'certificates.cert-manager.io',
  'httproutes.gateway.networking.k8s.io',
  'clusters.postgresql.cnpg.io',
  'scheduledbackups.postgresql.cnpg.io',
  'podmonitors.monitoring.coreos.com',
  'servicemonitors.monitoring.coreos.com',
];
const saved: unknown[] = [];
const createdClasses: string[] = [];
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
const NGINX_CM = 'ingress-nginx-controller';

let ns: string;
/** Where the stand-in ingress-nginx and operator Deployments live (kwok runs their pods). */
let sys: string;

/** A Deployment whose pods kwok runs; its containers' command line is all doctor reads. */
const deployment = (name: string, labels: Record<string, string>, args: string[], extra = {}) =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: sys, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'example.com/stand-in:1', args }], ...extra },
      },
    },
  });

const ingressClass = (name: string, controller: string) => {
  if (kTry(['get', 'ingressclass', name]).status === 0) return;
  k(
    ['create', '-f', '-'],
    JSON.stringify({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name },
      spec: { controller },
    }),
  );
  createdClasses.push(name);
};

const setAllowedHeaders = (value: string) =>
  k(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=sf-doctor-test', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: NGINX_CM, namespace: sys },
      data: { 'global-allowed-response-headers': value },
    }),
  );

beforeAll(() => {
  installCrd();
  for (const name of OPTIONAL_CRDS) {
    const got = kTry(['get', 'crd', name, '-o', 'json']);
    if (got.status !== 0) continue;
    const crd = JSON.parse(got.stdout);
    saved.push({
      apiVersion: crd.apiVersion,
      kind: crd.kind,
      metadata: { name, labels: crd.metadata.labels, annotations: crd.metadata.annotations },
      spec: crd.spec,
    });
    k(['delete', 'crd', name, '--wait=true']);
  }
  ns = restrictedNamespace('sf-doctor');
  sys = `sf-doctor-sys-${Math.random().toString(36).slice(2, 7)}`;
  k(['create', 'namespace', sys]);
  // A healthy front door: IngressClass nginx served by an ingress-nginx whose ConfigMap (named as
  // the chart names it, through $(POD_NAMESPACE)) allows the HSTS header.
  ingressClass('nginx', 'k8s.io/ingress-nginx');
  k(
    ['apply', '-f', '-'],
    deployment('ingress-nginx-controller', { 'app.kubernetes.io/name': 'ingress-nginx' }, [
      '/nginx-ingress-controller',
      '--election-id=ingress-nginx-leader',
      '--controller-class=k8s.io/ingress-nginx',
      '--ingress-class=nginx',
      `--configmap=$(POD_NAMESPACE)/${NGINX_CM}`,
    ]),
  );
  setAllowedHeaders('X-Request-Id, Strict-Transport-Security');
});

afterAll(() => {
  if (saved.length)
    k(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=storefront-tests', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: saved }),
    );
  installCrd();
  k(['annotate', 'storageclass', storageClassName, `${DEFAULT_CLASS_ANNOTATION}=true`, '--overwrite']);
  for (const name of createdClasses) kTry(['delete', 'ingressclass', name, '--ignore-not-found']);
  for (const n of [ns, sys]) if (n) kTry(['delete', 'namespace', n, '--wait=false']);
});

const findings = async (args: string[], env: Record<string, string> = {}) => {
  const r = await sf(['doctor', ...args, '-n', ns, '-o', 'json'], env);
  return { r, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
};
const byCheck = (list: Finding[], check: string) => list.find((f) => f.check === check);
const failures = (list: Finding[]) => list.filter((f) => f.level === 'FAIL');

/** doctor with these arguments exits 1, and its only FAIL is `check`, whose message matches. */
async function failsOnly(args: string[], check: string, message: RegExp | string) {
  const { r, findings: list } = await findings(args);
  expect(r.code, explain(r)).toBe(1);
  expect(
    failures(list).map((f) => f.check),
    explain(r),
  ).toEqual([check]);
  const found = byCheck(list, check)!;
  if (typeof message === 'string') expect(found.message).toBe(message);
  else expect(found.message).toMatch(message);
  expect(found.fix).toBeTruthy();
  return found;
}

describe('storefront doctor', () => {
  it('when the cluster has what the CLI and a default spec need, then every check is OK or WARN and it exits 0', async () => {
    const { r, findings: list } = await findings([]);
    expect(failures(list), explain(r)).toEqual([]);
    expect(r.code, explain(r)).toBe(0);
    expect(byCheck(list, 'api-server')?.message).toMatch(/^reachable, Kubernetes v1\.\d+/);
    expect(byCheck(list, 'crd')).toMatchObject({ level: 'OK' });
    expect(byCheck(list, 'rbac')).toMatchObject({ level: 'OK' });
    expect(byCheck(list, 'pod-security')).toMatchObject({ level: 'OK' });
    expect(byCheck(list, 'storage-class')?.level).toBe('OK');
    // Absent optional APIs are warnings naming the field that needs them.
    expect(byCheck(list, 'api PodMonitor')).toMatchObject({
      level: 'WARN',
      message: expect.stringContaining('monitoring.podMonitor.enabled'),
    });
    // The table form: one line per check, a summary.
    const table = await sf(['doctor', '-n', ns]);
    expect(table.stdout).toMatch(/^OK\s+api-server\s+reachable/m);
    expect(table.stdout).toMatch(/0 failed, \d+ warnings, \d+ ok$/m);

    // A default spec (-f, before install): its class, the HSTS header it sends, its volume's
    // default StorageClass are all there.
    const healthy = await findings(['-f', specFile('doc-healthy')]);
    expect(failures(healthy.findings), explain(healthy.r)).toEqual([]);
    expect(healthy.r.code).toBe(0);
    expect(byCheck(healthy.findings, 'ingress-class')?.level).toBe('OK');
    expect(byCheck(healthy.findings, 'ingress-nginx')).toEqual({
      check: 'ingress-nginx',
      level: 'OK',
      message: `ConfigMap ${sys}/${NGINX_CM} of deployment ${sys}/ingress-nginx-controller allows Strict-Transport-Security in global-allowed-response-headers`,
    });
  });

  it('when a Storefront applied with kubectl needs an API the cluster does not serve and no operator runs, then doctor NAME fails naming both, exit 1', async () => {
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('watched', {
        monitoring: { podMonitor: { enabled: true } },
        networkPolicy: { monitoringNamespace: 'monitoring' },
      }),
    );
    const { r, findings: list } = await findings(['watched']);
    expect(r.code, explain(r)).toBe(1);
    expect(byCheck(list, 'api PodMonitor')).toEqual({
      check: 'api PodMonitor',
      level: 'FAIL',
      message:
        'monitoring.coreos.com/v1 PodMonitor is not served, and watched sets monitoring.podMonitor.enabled',
      fix: 'install its CRDs/controller, or change monitoring.podMonitor.enabled',
    });
    expect(byCheck(list, 'operator')).toMatchObject({
      level: 'FAIL',
      message:
        'no storefront-operator Deployment found, and watched was applied with kubectl (it is no release of storefront install): nothing reconciles it',
    });
    const missing = await findings(['no-such-shop']);
    expect(missing.r.code).toBe(1);
    expect(byCheck(missing.findings, 'storefront no-such-shop')?.level).toBe('FAIL');
  });

  it.each([
    [
      'cert-manager',
      { ingress: { tls: { mode: 'certManager', issuerRef: { name: 'letsencrypt' } } } },
      'api Certificate',
      'cert-manager.io/v1 Certificate is not served, and doc-certificate sets ingress.tls.mode certManager',
    ],
    [
      'the Gateway API',
      { ingress: { provider: 'gatewayAPI', gateway: { parentRefs: [{ name: 'public' }] } } },
      'api HTTPRoute',
      'gateway.networking.k8s.io/v1 HTTPRoute is not served, and doc-httproute sets ingress.provider gatewayAPI',
    ],
    [
      'CloudNativePG',
      { database: { mode: 'cloudnativepg' } },
      'api Cluster',
      'postgresql.cnpg.io/v1 Cluster is not served, and doc-cluster sets database.mode cloudnativepg',
    ],
    [
      'the Prometheus Operator',
      { monitoring: { podMonitor: { enabled: true } }, networkPolicy: { monitoringNamespace: 'monitoring' } },
      'api PodMonitor',
      'monitoring.coreos.com/v1 PodMonitor is not served, and doc-podmonitor sets monitoring.podMonitor.enabled',
    ],
    [
      "the Prometheus Operator's ServiceMonitor",
      {
        monitoring: { serviceMonitor: { enabled: true } },
        networkPolicy: { monitoringNamespace: 'monitoring' },
      },
      'api ServiceMonitor',
      'monitoring.coreos.com/v1 ServiceMonitor is not served, and doc-servicemonitor sets monitoring.serviceMonitor.enabled',
    ],
  ])(
    'when a spec (-f) needs %s and the cluster does not serve it, then that is the one FAIL, exit 1',
    async (_api, spec, check, message) => {
      const name = `doc-${check.split(' ')[1]!.toLowerCase()}`;
      await failsOnly(['-f', specFile(name, spec)], check, message);
    },
  );

  it('when a spec (-f) backs up in cloudnativepg mode and the cluster serves neither Cluster nor ScheduledBackup, then both are FAILs naming what needs them, exit 1', async () => {
    const spec = {
      database: {
        mode: 'cloudnativepg',
        backup: {
          schedule: '30 2 * * 0',
          retention: { maxAge: '30d' },
          destination: {
            s3: {
              endpoint: 'http://s3.storage.svc:9000',
              bucket: 'shop-backups',
              credentialsSecret: { name: 'doc-s3' },
              egress: [{ cidr: '10.96.0.10/32', ports: [9000] }],
            },
          },
        },
      },
    };
    const { r, findings: list } = await findings(['-f', specFile('doc-scheduledbackup', spec)]);
    expect(r.code, explain(r)).toBe(1);
    expect(
      failures(list)
        .map((f) => f.check)
        .sort(),
      explain(r),
    ).toEqual(['api Cluster', 'api ScheduledBackup']);
    expect(byCheck(list, 'api ScheduledBackup')).toEqual({
      check: 'api ScheduledBackup',
      level: 'FAIL',
      message:
        'postgresql.cnpg.io/v1 ScheduledBackup is not served, and doc-scheduledbackup sets database.backup in database.mode cloudnativepg',
      fix: 'install its CRDs/controller, or change database.backup in database.mode cloudnativepg',
    });
  });

  it("when no IngressClass exists for the spec's class, then ingress-class fails naming it, exit 1", async () => {
    await failsOnly(
      ['-f', specFile('doc-class', { ingress: { className: 'sf-doctor-absent' } })],
      'ingress-class',
      'no IngressClass sf-doctor-absent, and doc-class sets ingress.className sf-doctor-absent: nothing will serve its Ingress (IngressReady stays NoAddress)',
    );
  });

  it('when ingress-nginx does not allow Strict-Transport-Security and the spec sends HSTS, then ingress-nginx fails with the patch to run; without HSTS it passes; an undeterminable ConfigMap is a WARN', async () => {
    setAllowedHeaders('X-Request-Id');
    try {
      const found = await failsOnly(
        ['-f', specFile('doc-hsts')],
        'ingress-nginx',
        `ConfigMap ${sys}/${NGINX_CM} of deployment ${sys}/ingress-nginx-controller does not list Strict-Transport-Security in global-allowed-response-headers, and doc-hsts sends HSTS (ingress.hsts.enabled with TLS on): its host answers 503`,
      );
      expect(found.fix).toContain(
        `kubectl -n ${sys} patch configmap ${NGINX_CM} --type merge -p '{"data":{"global-allowed-response-headers":"X-Request-Id,Strict-Transport-Security"}}'`,
      );
      const noHsts = await findings([
        '-f',
        specFile('doc-nohsts', { ingress: { hsts: { enabled: false } } }),
      ]);
      expect(noHsts.r.code, explain(noHsts.r)).toBe(0);
      expect(byCheck(noHsts.findings, 'ingress-nginx')?.level).toBe('OK');
    } finally {
      setAllowedHeaders('X-Request-Id, Strict-Transport-Security');
    }
    // A class whose ingress-nginx names its ConfigMap through a variable doctor cannot resolve.
    ingressClass('sf-doctor-other', 'example.com/other-nginx');
    k(
      ['apply', '-f', '-'],
      deployment('other-nginx', {}, [
        '/nginx-ingress-controller',
        '--controller-class=example.com/other-nginx',
        '--configmap=$(CONFIG_NAMESPACE)/other',
      ]),
    );
    const other = await findings([
      '-f',
      specFile('doc-other', { ingress: { className: 'sf-doctor-other' } }),
    ]);
    expect(other.r.code, explain(other.r)).toBe(0);
    expect(byCheck(other.findings, 'ingress-nginx')).toMatchObject({
      level: 'WARN',
      message: `deployment ${sys}/other-nginx names its ConfigMap through $(CONFIG_NAMESPACE)/other, so global-allowed-response-headers could not be checked`,
    });
  });

  it("when no StorageClass is the default and the spec's managed database sets none, then storage-class fails, exit 1", async () => {
    k(['annotate', 'storageclass', storageClassName, `${DEFAULT_CLASS_ANNOTATION}-`]);
    try {
      await failsOnly(
        ['-f', specFile('doc-volume')],
        'storage-class',
        "no default StorageClass: doc-volume's database volume (database.storage.storageClassName unset) will stay Pending",
      );
    } finally {
      k(['annotate', 'storageclass', storageClassName, `${DEFAULT_CLASS_ANNOTATION}=true`, '--overwrite']);
    }
  });

  it('when the user may not do what install needs in the namespace, then rbac fails listing the verbs, exit 1', async () => {
    const kubeconfig = writeUserKubeconfig('sf-doctor-nobody', [], { stateDir: cluster().stateDir });
    const { r, findings: list } = await findings(['--kubeconfig', kubeconfig]);
    expect(r.code, explain(r)).toBe(1);
    expect(failures(list).map((f) => f.check)).toEqual(['rbac']);
    expect(byCheck(list, 'rbac')?.message).toBe(
      `in namespace ${ns} you may not: create leases.coordination.k8s.io, create secrets, delete secrets, list pods, list secrets, patch deployments.apps, patch ingresses.networking.k8s.io, patch jobs.batch, patch networkpolicies.networking.k8s.io, patch secrets, patch services, patch statefulsets.apps`,
    );
    // What it may not read is said, not guessed.
    expect(byCheck(list, 'crd')).toMatchObject({
      level: 'WARN',
      message: expect.stringContaining('forbidden'),
    });
  });

  it('when the operator runs but its leader Lease is stale, or it has no ready replica, then each is the one FAIL, exit 1', async () => {
    const labels = { 'app.kubernetes.io/name': 'storefront-operator' };
    k(['apply', '-f', '-'], deployment('storefront-operator', labels, ['operator']));
    try {
      await waitFor(
        'the stand-in operator ready (kwok)',
        () =>
          kJson(['get', 'deployment', 'storefront-operator', '-n', sys]).status?.readyReplicas === 1 ||
          undefined,
      );
      const renewed = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d+Z$/, '.000000Z');
      k(
        ['apply', '-f', '-'],
        JSON.stringify({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: 'storefront-operator', namespace: sys },
          spec: { holderIdentity: 'gone-1', leaseDurationSeconds: 15, renewTime: renewed },
        }),
      );
      await failsOnly(
        [],
        'leader-lease',
        new RegExp(
          `^leader Lease ${sys}/storefront-operator last renewed \\d+s ago \\(lease 15s\\): no operator is leading$`,
        ),
      );
    } finally {
      k(['delete', 'deployment,lease', 'storefront-operator', '-n', sys, '--wait=true']);
    }
    // No node matches: never ready.
    k(
      ['apply', '-f', '-'],
      deployment('storefront-operator-stuck', labels, ['operator'], {
        nodeSelector: { 'sf-doctor': 'none' },
      }),
    );
    try {
      await failsOnly(
        [],
        'operator',
        `operator Deployment ${sys}/storefront-operator-stuck: 0/1 replicas ready`,
      );
    } finally {
      k(['delete', 'deployment', 'storefront-operator-stuck', '-n', sys, '--wait=true']);
    }
  });

  it('when the CRD is older than the CLI, or missing while an operator runs, then crd fails, exit 1', async () => {
    k(['label', 'crd', 'storefronts.storefront.dev', 'app.kubernetes.io/version=0.0.1', '--overwrite']);
    try {
      await failsOnly(
        [],
        'crd',
        /^CRD storefronts\.storefront\.dev is version 0\.0\.1, older than this CLI \(\d+\.\d+\.\d+\): the API server prunes or refuses the fields it does not know$/,
      );
    } finally {
      installCrd();
    }
    releaseLeftStorefronts();
    k(['delete', 'crd', 'storefronts.storefront.dev', '--wait=true', '--timeout=120s']);
    try {
      // Without an operator a missing CRD is only a WARN (releases do without it)…
      const alone = await findings([]);
      expect(alone.r.code, explain(alone.r)).toBe(0);
      expect(byCheck(alone.findings, 'crd')?.level).toBe('WARN');
      // …with one (ready: kwok runs it) it is a FAIL.
      k(
        ['apply', '-f', '-'],
        deployment('storefront-operator', { 'app.kubernetes.io/name': 'storefront-operator' }, ['operator']),
      );
      await waitFor(
        'the stand-in operator ready (kwok)',
        () =>
          kJson(['get', 'deployment', 'storefront-operator', '-n', sys]).status?.readyReplicas === 1 ||
          undefined,
      );
      await failsOnly(
        [],
        'crd',
        `CRD storefronts.storefront.dev is not installed, and the operator runs (${sys}/storefront-operator): it has no Storefronts to watch`,
      );
    } finally {
      kTry(['delete', 'deployment', 'storefront-operator', '-n', sys, '--wait=true']);
      installCrd();
    }
  });

  it('when install --wait fails, then the doctor findings for the Storefront are printed before the error', async () => {
    const bad = specFile('doc-bad', { ingress: { tls: { mode: 'secret', secretName: 'absent-tls' } } });
    const r = await sf(['install', 'doc-bad', '-f', bad, '-n', ns, '--wait', '--timeout', '10s']);
    expect(r.code, explain(r)).toBe(4);
    expect(r.stderr).toContain(`storefront doctor doc-bad -n ${ns}:`);
    expect(r.stderr).toMatch(
      /FAIL\s+condition TLSReady\s+SecretMissing: TLS Secret absent-tls does not exist/,
    );
    expect(r.stderr.indexOf('storefront doctor doc-bad')).toBeLessThan(r.stderr.indexOf('error: '));
  });
});
