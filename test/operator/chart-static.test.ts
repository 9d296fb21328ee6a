// The operator chart without a cluster (only the helm binary built with it): lint, schema, the
// objects it renders, the image policy, RBAC tied to the kinds the operator owns, and drift of
// the chart's CRD copy and of the plain manifests in deploy/.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OWNED_KINDS } from '../../operator/observe/owned-kinds.ts';
import pkg from '../../package.json' with { type: 'json' };
import {
  CRD_CHART_COPY,
  CRD_SOURCE,
  MANIFESTS,
  NAMESPACE_MANIFEST,
  namespaceManifest,
  renderChart,
} from '../../scripts/render-manifests.ts';
import { CHART_DIR, find, helm, helmTry, type K8sObject, parseObjects, render } from './chart-support.ts';
import { cluster } from './support.ts';

const RESTRICTED_CONTAINER = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

type Rule = {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
};

function plural(kind: string): string {
  const k = kind.toLowerCase();
  if (k.endsWith('y')) return `${k.slice(0, -1)}ies`;
  if (k.endsWith('s')) return `${k}es`;
  return `${k}s`;
}

/** Verbs the rules grant on group/resource (without resourceNames). */
function granted(rules: Rule[], group: string, resource: string): string[] {
  return rules
    .filter((r) => !r.resourceNames && r.apiGroups?.includes(group) && r.resources?.includes(resource))
    .flatMap((r) => r.verbs)
    .sort();
}

describe('operator chart: metadata, lint and schema', () => {
  it('Chart.yaml version and appVersion equal package.json version', () => {
    const chart = parse(readFileSync(join(CHART_DIR, 'Chart.yaml'), 'utf8'));
    expect(chart.apiVersion).toBe('v2');
    expect(chart.version).toBe(pkg.version);
    expect(chart.appVersion).toBe(pkg.version);
  });

  it.each([
    ['default values', []],
    ['watchNamespace', ['watchNamespace=shops']],
    [
      'pinned digest, one replica without leader election',
      [`image.digest=sha256:${'a'.repeat(64)}`, 'replicaCount=1', 'leaderElection.enabled=false'],
    ],
    [
      'OpenShift IDs, registry mirror, pull secret, extras, dashboard',
      [
        'podSecurityContext.runAsUser=null',
        'global.imageRegistry=mirror.local',
        'imagePullSecrets[0].name=regcred',
        'extraArgs={--log-format=json}',
        'grafanaDashboard.enabled=true',
      ],
    ],
    [
      'no CRD, no RBAC, existing ServiceAccount',
      ['crds.install=false', 'rbac.create=false', 'serviceAccount.create=false', 'serviceAccount.name=ops'],
    ],
  ])('helm lint --strict passes with %s', (_name, set) => {
    const out = helm(['lint', '--strict', CHART_DIR, ...set.flatMap((s) => ['--set', s])]);
    expect(out).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  // Each bad value is refused before anything reaches a cluster, with a message naming the field.
  it.each([
    ['replicaCount=0', '/replicaCount', 'minimum'],
    ['replicaCount=two', '/replicaCount', 'want integer'],
    ['image.pullPolicy=Sometimes', '/image/pullPolicy', 'must be one of'],
    ['image.digest=sha256:abc', '/image/digest', 'does not match pattern'],
    ['image.tag=bad tag', '/image/tag', 'does not match pattern'],
    ['watchNamespace=Not_A_Namespace', '/watchNamespace', 'does not match pattern'],
    ['logLevel=loud', '/logLevel', 'must be one of'],
    ['resyncPeriod=ten minutes', '/resyncPeriod', 'does not match pattern'],
    ['healthPort=80', '/healthPort', 'minimum'],
    ['crds.install=yes', '/crds/install', 'want boolean'],
    ['concurrency=0', '/concurrency', 'minimum'],
    ['topologySpread.whenUnsatisfiable=Sometimes', '/topologySpread/whenUnsatisfiable', 'must be one of'],
    ['networkPolicy.apiServerCidrs={10.0.0.1}', '/networkPolicy/apiServerCidrs/0', 'does not match pattern'],
    ['networkPolicy.apiServerPorts={https}', '/networkPolicy/apiServerPorts/0', 'want integer'],
    ['podLabels.app\\.kubernetes\\.io/name=x', '', "invalid propertyName 'app.kubernetes.io/name'"],
    ['resources.requests.gpu=1', '/resources/requests', "additional properties 'gpu' not allowed"],
    ['unknownKey=1', '', "additional properties 'unknownKey' not allowed"],
  ])('schema rejects %s', (set, path, message) => {
    const res = helmTry(['template', 'sfo', CHART_DIR, '--set', set]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain("values don't meet the specifications of the schema");
    expect(res.stderr).toContain(`at '${path}'`);
    expect(res.stderr).toContain(message);
  });

  // Rules between values that a JSON schema cannot express fail in the templates.
  it.each([
    [['replicaCount=2', 'leaderElection.enabled=false'], 'leaderElection.enabled=false needs replicaCount=1'],
    [
      ['replicaCount=2', 'podDisruptionBudget.minAvailable=2'],
      'podDisruptionBudget.minAvailable=2 must be below replicaCount=2',
    ],
    [['serviceAccount.create=false'], 'serviceAccount.name is required when serviceAccount.create is false'],
  ])('templates reject %j', (set, message) => {
    const res = helmTry(['template', 'sfo', CHART_DIR, ...set.flatMap((s) => ['--set', s])]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(message);
  });
});

describe('operator chart: what it renders', () => {
  it('renders one object per template file, each file named after its kind', () => {
    const out = helm(['template', 'sfo', CHART_DIR, '--namespace', 'ops']);
    const sources = [...out.matchAll(/^# Source: storefront-operator\/templates\/(.+)$/gm)].map((m) => m[1]!);
    expect(new Set(sources).size).toBe(sources.length);
    const docs = out.split(/^---$/m).filter((d) => d.includes('# Source:'));
    const prefix: Record<string, string> = { CustomResourceDefinition: 'crd', Pod: 'pod' };
    for (const doc of docs) {
      const file = basename(/# Source: \S+\/templates\/(.+)/.exec(doc)![1]!, '.yaml');
      const objects = parseObjects(doc);
      expect(objects, file).toHaveLength(1);
      const kind = objects[0]!.kind;
      expect(file.startsWith(prefix[kind] ?? kind.toLowerCase()), `${file}.yaml holds a ${kind}`).toBe(true);
    }
    expect(docs.map((d) => parseObjects(d)[0]!.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'CustomResourceDefinition',
        'Deployment',
        'NetworkPolicy',
        'Pod',
        'PodDisruptionBudget',
        'Role',
        'RoleBinding',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
  });

  it.each([
    ['default: repository:appVersion', [], `ghcr.io/storefront-dev/storefront-operator:${pkg.version}`],
    ['a tag', ['image.tag=1.2.3-rc.1'], 'ghcr.io/storefront-dev/storefront-operator:1.2.3-rc.1'],
    [
      'a digest wins over the tag',
      ['image.tag=1.2.3', `image.digest=sha256:${'b'.repeat(64)}`],
      `ghcr.io/storefront-dev/storefront-operator@sha256:${'b'.repeat(64)}`,
    ],
    [
      'another registry with a port',
      ['image.repository=registry.local:5000/ops/op', 'image.tag=dev'],
      'registry.local:5000/ops/op:dev',
    ],
  ])('image reference: %s', (_name, set, image) => {
    const objects = render([...set, 'image.pullPolicy=Always']);
    const container = find(objects, 'Deployment').spec.template.spec.containers[0];
    expect(container.image).toBe(image);
    expect(container.imagePullPolicy).toBe('Always');
    expect(find(objects, 'Pod').spec.containers[0].image).toBe(image);
  });

  it('the operator Deployment: 2 replicas, restricted security context, probes, downward API, spread, resources', () => {
    const objects = render();
    const deploy = find(objects, 'Deployment');
    const pod = deploy.spec.template.spec;
    const c = pod.containers[0];
    expect(deploy.spec.replicas).toBe(2);
    expect(deploy.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'storefront-operator',
      'app.kubernetes.io/instance': 'sfo',
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext).toEqual(RESTRICTED_CONTAINER);
    expect(c.args).toEqual([
      'operator',
      '--health-port=8081',
      '--concurrency=4',
      '--resync=10m',
      '--qps=50',
      '--burst=100',
    ]);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(c.ports).toEqual([{ name: 'health', containerPort: 8081, protocol: 'TCP' }]);
    expect(c.env).toContainEqual({
      name: 'POD_NAMESPACE',
      valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
    });
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(pod.topologySpreadConstraints[0]).toMatchObject({
      topologyKey: 'kubernetes.io/hostname',
      labelSelector: { matchLabels: deploy.spec.selector.matchLabels },
    });
    expect(find(objects, 'PodDisruptionBudget').spec).toMatchObject({
      minAvailable: 1,
      selector: { matchLabels: deploy.spec.selector.matchLabels },
    });
    // Selector labels stay the same whatever the chart version: an upgrade never orphans Pods.
    const next = render(['image.tag=9.9.9', 'podLabels.team=shop']);
    expect(find(next, 'Deployment').spec.selector).toEqual(deploy.spec.selector);
    expect(find(next, 'Deployment').spec.template.metadata.labels.team).toBe('shop');
  });

  it('the helm test Pod is restricted, has no token and is not selected by the operator objects', () => {
    const objects = render();
    const test = find(objects, 'Pod');
    expect(test.metadata.annotations?.['helm.sh/hook']).toBe('test');
    expect(test.spec.automountServiceAccountToken).toBe(false);
    expect(test.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(test.spec.containers[0].securityContext).toEqual(RESTRICTED_CONTAINER);
    expect(test.spec.containers[0].args[0]).toContain(
      'http://sfo-storefront-operator-metrics.storefront-system.svc:8081/readyz',
    );
    const selector = find(objects, 'Service').spec.selector as Record<string, string>;
    const labels = test.metadata.labels ?? {};
    expect(Object.entries(selector).every(([key, v]) => labels[key] === v)).toBe(false);
  });

  it('the NetworkPolicy: ingress only to the health port, egress only to the API server and DNS', () => {
    const np = find(render(['networkPolicy.apiServerCidrs={172.18.0.2/32}']), 'NetworkPolicy');
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: {} }], ports: [{ port: 'health', protocol: 'TCP' }] },
    ]);
    expect(np.spec.egress).toEqual([
      {
        ports: [
          { port: 443, protocol: 'TCP' },
          { port: 6443, protocol: 'TCP' },
        ],
        to: [{ ipBlock: { cidr: '172.18.0.2/32' } }],
      },
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('a ServiceMonitor only when enabled (off by default; chart-values.test.ts covers the missing API)', () => {
    const api = { extra: ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor'] };
    expect(render([], api).some((o) => o.kind === 'ServiceMonitor')).toBe(false);
    expect(find(render(['serviceMonitor.enabled=true'], api), 'ServiceMonitor').spec.endpoints).toEqual([
      { port: 'http-metrics', path: '/metrics', interval: '30s' },
    ]);
  });
});

describe('operator chart: RBAC', () => {
  it('the ClusterRole grants each kind the operator owns exactly list, watch, create, patch and delete', () => {
    const rules = find(render(), 'ClusterRole').rules as Rule[];
    for (const kind of OWNED_KINDS) {
      const group = kind.apiVersion.includes('/') ? kind.apiVersion.split('/')[0]! : '';
      const expected =
        kind.kind === 'Secret'
          ? ['create', 'delete', 'get', 'list', 'patch', 'watch']
          : ['create', 'delete', 'list', 'patch', 'watch'];
      expect(granted(rules, group, plural(kind.kind)), `${kind.kind} (${group || 'core'})`).toEqual(expected);
    }
    expect(granted(rules, 'storefront.dev', 'storefronts')).toEqual(['list', 'patch', 'watch']);
    expect(granted(rules, 'storefront.dev', 'storefronts/status')).toEqual(['patch']);
    expect(granted(rules, 'storefront.dev', 'storefronts/finalizers')).toEqual(['update']);
    expect(granted(rules, 'events.k8s.io', 'events')).toEqual(['create']);
    // The pods of a failed backup/restore Job, listed for the cause (observe/job-causes.ts).
    expect(granted(rules, '', 'pods')).toEqual(['list']);
    expect(granted(rules, 'coordination.k8s.io', 'leases')).toEqual([]);
    expect(rules.find((r) => r.nonResourceURLs)).toEqual({
      nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*'],
      verbs: ['get'],
    });
    // Nothing else: every rule names its group and resources; no wildcards.
    expect(JSON.stringify(rules)).not.toContain('"*"');
    expect(rules).toHaveLength(17);
  });

  it('watchNamespace: a Role and RoleBinding there, no cluster-wide grant, the Lease Role in the release namespace', () => {
    const objects = render(['watchNamespace=shops'], { namespace: 'ops' });
    expect(
      objects.filter((o) => o.kind.startsWith('Cluster') && o.kind !== 'CustomResourceDefinition'),
    ).toEqual([]);
    const role = find(objects, 'Role', 'sfo-storefront-operator');
    expect(role.metadata.namespace).toBe('shops');
    expect(role.rules).toEqual(find(render(), 'ClusterRole').rules.filter((r: Rule) => !r.nonResourceURLs));
    expect(find(objects, 'RoleBinding', 'sfo-storefront-operator')).toMatchObject({
      metadata: { namespace: 'shops' },
      subjects: [{ kind: 'ServiceAccount', name: 'sfo-storefront-operator', namespace: 'ops' }],
    });
    const lease = find(objects, 'Role', 'sfo-storefront-operator-leader-election');
    expect(lease.metadata.namespace).toBe('ops');
    expect(lease.rules).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['storefront-operator'],
        verbs: ['get', 'update'],
      },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
    ]);
    expect(find(objects, 'Deployment').spec.template.spec.containers[0].args).toContain('--namespace=shops');
  });

  it('no leader election: no Lease Role and --no-leader-elect', () => {
    const objects = render(['replicaCount=1', 'leaderElection.enabled=false']);
    expect(objects.some((o) => o.metadata.name.endsWith('leader-election'))).toBe(false);
    expect(find(objects, 'Deployment').spec.template.spec.containers[0].args).toContain('--no-leader-elect');
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });
});

describe('operator chart: the CRD and the plain manifests stay in sync', () => {
  it('the chart copy of the CRD is byte-identical to crds/ (npm run manifests copies it)', () => {
    expect(readFileSync(CRD_CHART_COPY, 'utf8')).toBe(readFileSync(CRD_SOURCE, 'utf8'));
  });

  it('the CRD template renders crds/ plus the keep policy; crds.install=false leaves it out', () => {
    const crd = find(render(), 'CustomResourceDefinition');
    const source = parse(readFileSync(CRD_SOURCE, 'utf8')) as K8sObject;
    expect(crd.spec).toEqual(source.spec);
    expect(crd.metadata.name).toBe(source.metadata.name);
    expect(crd.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    expect(crd.metadata.labels).toMatchObject(source.metadata.labels ?? {});
    expect(render(['crds.install=false']).some((o) => o.kind === 'CustomResourceDefinition')).toBe(false);
  });

  it('deploy/storefront-operator.yaml is the chart default render and deploy/namespace.yaml the namespace (npm run manifests)', () => {
    expect(readFileSync(MANIFESTS, 'utf8')).toBe(renderChart(cluster().helm));
    expect(readFileSync(NAMESPACE_MANIFEST, 'utf8')).toBe(namespaceManifest());
    const objects = parseObjects(readFileSync(MANIFESTS, 'utf8'));
    expect(
      objects.every(
        (o) =>
          o.kind === 'CustomResourceDefinition' ||
          o.kind.startsWith('Cluster') ||
          o.metadata.namespace === 'storefront-system',
      ),
    ).toBe(true);
    expect(objects.some((o) => o.kind === 'Pod')).toBe(false);
  });
});
