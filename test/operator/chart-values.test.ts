// The operator chart's platform values (issue 17): security contexts (OpenShift restricted-v2 when
// the IDs are unset, checked by the real API server's Pod Security admission), extraEnv,
// extraArgs, global.imageRegistry, imagePullSecrets as [{name}], a ServiceMonitor that fails the
// install without its API, the Grafana dashboard ConfigMap and NOTES that stand on their own.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createMetrics } from '../../app/src/server/metrics.ts';
import { OperatorMetrics } from '../../operator/controller/metrics.ts';
import pkg from '../../package.json' with { type: 'json' };
import { CHART_DIR, cleanupNamespaces, find, helm, helmTry, render } from './chart-support.ts';
import { kTry, restrictedNamespace } from './support.ts';

const OPENSHIFT = [
  'podSecurityContext.runAsUser=null',
  'podSecurityContext.runAsGroup=null',
  'podSecurityContext.fsGroup=null',
];

let ns = '';
beforeAll(() => {
  ns = restrictedNamespace('sfv');
});
afterAll(() => cleanupNamespaces([ns]));

/** Server-side dry-run create in a namespace enforcing Pod Security `restricted`. */
function admitted(object: Record<string, any>): { ok: boolean; stderr: string } {
  const copy = structuredClone(object);
  copy.metadata.namespace = ns;
  const res = kTry(['create', '--dry-run=server', '-f', '-', '-o', 'name'], stringify(copy));
  return { ok: res.status === 0, stderr: res.stderr };
}

describe('operator chart: security contexts', () => {
  it('defaults: fixed IDs 65532, restricted container context, both admitted under restricted', () => {
    const objects = render();
    const deploy = find(objects, 'Deployment');
    expect(deploy.spec.template.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(admitted(deploy)).toMatchObject({ ok: true });
    expect(admitted(find(objects, 'Pod'))).toMatchObject({ ok: true });
  });

  it('OpenShift restricted-v2: the IDs unset leave no runAsUser/runAsGroup/fsGroup and stay admitted', () => {
    const objects = render(OPENSHIFT);
    const deploy = find(objects, 'Deployment');
    const pod = deploy.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(JSON.stringify(pod)).not.toMatch(/runAsUser|runAsGroup|fsGroup/);
    expect(find(objects, 'Pod').spec.securityContext).toEqual(pod.securityContext);
    expect(admitted(deploy)).toMatchObject({ ok: true });
    expect(admitted(find(objects, 'Pod'))).toMatchObject({ ok: true });
  });

  it('a container context the schema allows is rendered as given; restricted still decides', () => {
    const deploy = find(render(['containerSecurityContext.readOnlyRootFilesystem=false']), 'Deployment');
    expect(deploy.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(false);
    expect(admitted(deploy)).toMatchObject({ ok: true });
  });

  it.each([
    [
      'containerSecurityContext.allowPrivilegeEscalation=true',
      '/containerSecurityContext/allowPrivilegeEscalation',
    ],
    ['containerSecurityContext.privileged=true', '/containerSecurityContext/privileged'],
    ['podSecurityContext.runAsNonRoot=false', '/podSecurityContext/runAsNonRoot'],
    ['podSecurityContext.runAsUser=0', '/podSecurityContext/runAsUser'],
    ['containerSecurityContext.capabilities.drop={NET_RAW}', '/containerSecurityContext/capabilities/drop'],
  ])('the schema refuses %s (never admissible under restricted)', (set, path) => {
    const res = helmTry(['template', 'sfo', CHART_DIR, '--set', set]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("values don't meet the specifications of the schema");
    expect(res.stderr).toContain(`at '${path}'`);
  });
});

describe('operator chart: image, pull secrets, extra env and args', () => {
  it.each([
    [
      'replaces the registry host',
      ['global.imageRegistry=mirror.local:5000'],
      'mirror.local:5000/storefront-dev/storefront-operator',
    ],
    [
      'prefixes a repository without a host',
      ['global.imageRegistry=mirror.local', 'image.repository=ops/op'],
      'mirror.local/ops/op',
    ],
    [
      'replaces localhost',
      ['global.imageRegistry=mirror.local/cache', 'image.repository=localhost/op'],
      'mirror.local/cache/op',
    ],
  ])('global.imageRegistry %s', (_name, set, repository) => {
    const objects = render(set);
    expect(find(objects, 'Deployment').spec.template.spec.containers[0].image).toBe(
      `${repository}:${pkg.version}`,
    );
    expect(find(objects, 'Pod').spec.containers[0].image).toBe(`${repository}:${pkg.version}`);
    const digest = `sha256:${'c'.repeat(64)}`;
    expect(
      find(render([...set, `image.digest=${digest}`]), 'Deployment').spec.template.spec.containers[0].image,
    ).toBe(`${repository}@${digest}`);
  });

  it('imagePullSecrets in the [{name}] form (and bare names) reach both Pods', () => {
    const objects = render(['imagePullSecrets[0].name=regcred', 'imagePullSecrets[1]=legacy']);
    const expected = [{ name: 'regcred' }, { name: 'legacy' }];
    expect(find(objects, 'Deployment').spec.template.spec.imagePullSecrets).toEqual(expected);
    expect(find(objects, 'Pod').spec.imagePullSecrets).toEqual(expected);
    expect(find(render(), 'Deployment').spec.template.spec.imagePullSecrets).toBeUndefined();
  });

  it('extraEnv and extraArgs come after the chart own, in order', () => {
    const c = find(
      render([
        'extraEnv[0].name=HTTPS_PROXY',
        'extraEnv[0].value=http://proxy:3128',
        'extraEnv[1].name=TOKEN',
        'extraEnv[1].valueFrom.secretKeyRef.name=s',
        'extraEnv[1].valueFrom.secretKeyRef.key=k',
        'extraArgs={--concurrency=8,--log-format=json}',
      ]),
      'Deployment',
    ).spec.template.spec.containers[0];
    expect(c.env.slice(-2)).toEqual([
      { name: 'HTTPS_PROXY', value: 'http://proxy:3128' },
      { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ]);
    expect(c.env[0].name).toBe('POD_NAMESPACE');
    expect(c.args.slice(-3)).toEqual(['--burst=100', '--concurrency=8', '--log-format=json']);
  });

  it.each([
    ['imagePullSecrets[0].nam=x', '/imagePullSecrets/0'],
    ['imagePullSecrets[0].name=Bad_Name', '/imagePullSecrets/0'],
    ['extraArgs={operator}', '/extraArgs/0'],
    ['extraEnv[0].value=x', '/extraEnv/0'],
    ['grafanaDashboard.enabled=maybe', '/grafanaDashboard/enabled'],
  ])('the schema refuses %s', (set, path) => {
    const res = helmTry(['template', 'sfo', CHART_DIR, '--set', set]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(`at '${path}'`);
  });
});

it('global.imageRegistry that is not a registry host fails the render naming it (helm skips the schema for global)', () => {
  const res = helmTry(['template', 'sfo', CHART_DIR, '--set', 'global.imageRegistry=not a host']);
  expect(res.status).not.toBe(0);
  expect(res.stderr).toContain('global.imageRegistry="not a host" is not a registry host');
});

describe('operator chart: monitoring', () => {
  it('serviceMonitor.enabled without monitoring.coreos.com/v1 fails the install and says what to do', () => {
    expect(render().some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    const res = helmTry(['template', 'sfo', CHART_DIR, '--set', 'serviceMonitor.enabled=true']);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(
      'serviceMonitor.enabled=true but this cluster does not serve monitoring.coreos.com/v1 ServiceMonitor',
    );
    expect(res.stderr).toContain('serviceMonitor.enabled=false');
    const sm = find(
      render(['serviceMonitor.enabled=true'], {
        extra: ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'],
      }),
      'ServiceMonitor',
    );
    expect(sm.spec.endpoints).toEqual([{ port: 'http-metrics', path: '/metrics', interval: '30s' }]);
  });

  it('serviceMonitor.enabled=true against the real API server (no Prometheus Operator CRD) fails helm install', () => {
    const res = helmTry([
      'install',
      'sfv-sm',
      CHART_DIR,
      '--namespace',
      ns,
      '--set',
      'serviceMonitor.enabled=true',
      '--set',
      'crds.install=false',
      '--dry-run=server',
    ]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('does not serve monitoring.coreos.com/v1 ServiceMonitor');
  });

  it('the Grafana dashboard ConfigMap: off by default; on, with the sidecar label and valid JSON', () => {
    expect(render().some((o) => o.kind === 'ConfigMap')).toBe(false);
    const cm = find(
      render(['grafanaDashboard.enabled=true', 'grafanaDashboard.namespace=monitoring']),
      'ConfigMap',
    );
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dashboard = JSON.parse(cm.data['storefront.json']);
    expect(dashboard.uid).toBe('storefront');
    expect(dashboard.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual([
      'Operator',
      'Shops',
    ]);
    expect(admitted(cm)).toMatchObject({ ok: true });
  });

  it('every metric the dashboard queries is one the operator or the shop exports', async () => {
    const dashboard = JSON.parse(readFileSync(join(CHART_DIR, 'files/grafana-dashboard.json'), 'utf8'));
    const exprs: string[] = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b([a-z_]+)\{/g)].map((m) => m[1]!)));
    expect(used.size).toBeGreaterThan(5);
    const exported = new Set<string>();
    const shop = createMetrics();
    const operator = new OperatorMetrics();
    for (const text of [await shop.registry.metrics(), await operator.registry.metrics()]) {
      for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(m[1]!);
        if (m[2] === 'histogram') for (const s of ['_bucket', '_count', '_sum']) exported.add(m[1]! + s);
      }
    }
    for (const name of used) expect(exported, name).toContain(name);
  });
});

describe('operator chart: NOTES', () => {
  it('names the ingress prerequisites and points at no file outside the chart', () => {
    const out = helm(['install', 'sfo', CHART_DIR, '--namespace', 'ops', '--dry-run=client']);
    const notes = out.slice(out.indexOf('NOTES:'));
    expect(notes).toContain('global-allowed-response-headers');
    expect(notes).toContain('Strict-Transport-Security');
    expect(notes).toContain('default StorageClass');
    expect(notes).not.toMatch(/examples\/|crds\/|\.yaml/);
    expect(notes).toContain('kind: Storefront');
  });
});
