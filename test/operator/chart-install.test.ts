// The operator chart on the real local control plane, all-namespaces mode:
// helm install into a namespace enforcing Pod Security `restricted` (the operator Pods are
// admitted; kwok runs no containers, so admission is what this proves) -> the operator, run on
// this machine as the chart's ServiceAccount, reconciles examples/minimal.yaml to Ready with no
// 403 -> what the ServiceAccount may and may not do -> helm upgrade to a chart whose CRD changed
// updates the CRD -> helm uninstall keeps the CRD, the Storefront and its volume.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { auditMark } from '../cluster/audit.ts';
import {
  canI,
  cleanupNamespaces,
  copyChart,
  find,
  forbiddenLines,
  helm,
  helmTry,
  type LocalOperator,
  parseObjects,
  render,
  restoreCrd,
  runOperator,
  serviceAccountKubeconfig,
  serviceAccountUser,
  writesBy,
} from './chart-support.ts';
import { cluster, k, kJson, kTry, ROOT, restrictedNamespace, waitFor, waitReady } from './support.ts';

const CRD = 'storefronts.storefront.dev';
const release = `sfo-${Math.random().toString(36).slice(2, 7)}`;
let opNs = '';
let shopNs = '';
let operator: LocalOperator | undefined;
const sa = () => ({ namespace: opNs, name: `${release}-storefront-operator` });

beforeAll(() => {
  // Short names: the ServiceAccount's user name is a certificate CN here (at most 64 characters).
  opNs = restrictedNamespace('sfc');
  shopNs = restrictedNamespace('sfc-shop');
});

afterAll(async () => {
  await operator?.stop();
  helmTry(['uninstall', release, '--namespace', opNs]);
  cleanupNamespaces([shopNs, opNs]);
  restoreCrd();
});

describe('helm install of the operator chart (all namespaces)', () => {
  it('installs into a restricted namespace; both operator Pods are admitted', async () => {
    // --take-ownership: the shared test cluster's CRD was applied by kubectl before this release.
    const out = helm([
      'install',
      release,
      join(ROOT, 'charts/storefront-operator'),
      '--namespace',
      opNs,
      '--take-ownership',
    ]);
    expect(out).toContain('STATUS: deployed');
    const selector = `app.kubernetes.io/instance=${release},app.kubernetes.io/name=storefront-operator`;
    const pods = await waitFor('two operator Pods', () => {
      const list = kJson(['get', 'pods', '-n', opNs, '-l', selector]).items;
      return list.length === 2 ? list : undefined;
    });
    for (const pod of pods) {
      expect(pod.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    }
    const rs = kJson(['get', 'replicasets', '-n', opNs, '-l', selector]).items;
    expect(rs[0].status.conditions ?? []).not.toContainEqual(
      expect.objectContaining({ type: 'ReplicaFailure' }),
    );
    expect(kJson(['get', 'namespace', opNs]).metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    const crd = kJson(['get', 'crd', CRD]);
    expect(crd.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(crd.metadata.annotations['meta.helm.sh/release-name']).toBe(release);
  });

  it('the helm test Pod is admitted under restricted (server dry-run)', () => {
    const test = find(render([], { namespace: opNs }), 'Pod');
    const res = kTry(['create', '--dry-run=server', '-n', opNs, '-f', '-'], JSON.stringify(test));
    expect(res.stderr).not.toMatch(/error|forbidden|violate/i);
    expect(res.stdout).toContain('created (server dry run)');
  });

  it('the operator, as the chart ServiceAccount, reconciles examples/minimal.yaml to Ready with no 403', async () => {
    const user = serviceAccountUser(opNs, sa().name);
    const since = auditMark(cluster().auditLogPath);
    // Watch one namespace (the shared test cluster holds other tests' Storefronts); the grants
    // used are the ClusterRole's, bound cluster-wide.
    operator = runOperator(serviceAccountKubeconfig(opNs, sa().name), ['--namespace', shopNs], opNs);
    k(['apply', '-n', shopNs, '-f', join(ROOT, 'examples/minimal.yaml')]);
    const sf = await waitReady(shopNs, 'shop');
    expect(sf.metadata.finalizers).toContain('storefront.dev/finalizer');

    const health = await waitFor(
      'operator health URL',
      () => /"health":"(http:[^"]+)"/.exec(operator!.log())?.[1],
    );
    const script = find(render([], { namespace: opNs }), 'Pod').spec.containers[0].args[0] as string;
    const local = script.replace(/http:\/\/[^']+\/readyz/, `${health}/readyz`);
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', local], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stdout).toContain('/readyz -> 200');
    expect(run.status).toBe(0);

    const writes = await waitFor('status writes by the ServiceAccount in the audit log', async () => {
      const w = await writesBy(user, since);
      return w.some((e) => e.objectRef?.subresource === 'status' && e.objectRef.namespace === shopNs)
        ? w
        : undefined;
    });
    const byResource = new Set(
      writes.map(
        (e) =>
          `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`,
      ),
    );
    for (const w of [
      'create secrets',
      'patch statefulsets',
      'patch deployments',
      'patch ingresses',
      'patch storefronts',
      'patch storefronts/status',
      'create events',
      'create leases',
      'update leases',
    ]) {
      expect(byResource, w).toContain(w);
    }
    expect(writes.filter((e) => e.responseStatus?.code === 403)).toEqual([]);
    expect(forbiddenLines(operator.log())).toEqual([]);
    await operator.stop();
    expect(forbiddenLines(operator.log())).toEqual([]);
  });

  it('the ServiceAccount can do what the operator does and nothing more', () => {
    const yes: string[][] = [
      ['list', 'storefronts.storefront.dev', '--all-namespaces'],
      ['watch', 'storefronts.storefront.dev', '--all-namespaces'],
      ['patch', 'storefronts.storefront.dev', '-n', shopNs],
      ['patch', 'storefronts.storefront.dev', '--subresource=status', '-n', shopNs],
      ['create', 'secrets', '-n', 'default'],
      ['create', 'statefulsets.apps', '-n', shopNs],
      ['delete', 'ingresses.networking.k8s.io', '-n', shopNs],
      ['create', 'events.events.k8s.io', '-n', shopNs],
      ['update', 'leases.coordination.k8s.io/storefront-operator', '-n', opNs],
      ['get', '/apis/postgresql.cnpg.io/v1'],
    ];
    const no: string[][] = [
      ['update', 'storefronts.storefront.dev', '-n', shopNs],
      ['delete', 'storefronts.storefront.dev', '-n', shopNs],
      ['create', 'storefronts.storefront.dev', '-n', shopNs],
      ['get', 'configmaps', '-n', 'kube-system'],
      ['create', 'pods', '-n', shopNs],
      ['get', 'nodes'],
      ['create', 'clusterroles.rbac.authorization.k8s.io'],
      ['create', 'rolebindings.rbac.authorization.k8s.io', '-n', shopNs],
      ['update', 'customresourcedefinitions.apiextensions.k8s.io'],
      ['update', 'leases.coordination.k8s.io/kube-scheduler', '-n', 'kube-system'],
      ['update', 'leases.coordination.k8s.io/another-lease', '-n', opNs],
      ['create', 'leases.coordination.k8s.io', '-n', shopNs],
      ['create', 'events', '-n', shopNs],
    ];
    for (const args of yes) expect(canI(sa(), args), `can ${args.join(' ')}`).toBe(true);
    for (const args of no) expect(canI(sa(), args), `cannot ${args.join(' ')}`).toBe(false);
  });

  it('helm upgrade to a chart whose CRD changed updates the CRD', () => {
    const chart = copyChart();
    const file = join(chart, 'files/storefront.dev_storefronts.yaml');
    const crd = parse(readFileSync(file, 'utf8'));
    const version = crd.spec.versions[0];
    const marker = `upgraded by ${release}`;
    version.schema.openAPIV3Schema.description = `${version.schema.openAPIV3Schema.description} (${marker})`;
    version.additionalPrinterColumns.push({
      name: 'Upgraded',
      type: 'string',
      jsonPath: '.metadata.name',
      priority: 1,
    });
    writeFileSync(file, stringify(crd));
    const before = kJson(['get', 'crd', CRD]).metadata.generation as number;

    // --force-conflicts: the shared cluster's other tests (and users following the README) apply
    // crds/ with `kubectl apply --server-side`, so the field manager "kubectl" co-owns the CRD.
    const out = helm(['upgrade', release, chart, '--namespace', opNs, '--force-conflicts']);
    expect(out).toContain('REVISION: 2');
    const live = kJson(['get', 'crd', CRD]);
    expect(live.metadata.generation).toBeGreaterThan(before);
    expect(live.spec.versions[0].schema.openAPIV3Schema.description).toContain(marker);
    expect(live.spec.versions[0].additionalPrinterColumns.map((c: { name: string }) => c.name)).toContain(
      'Upgraded',
    );
    // Still established and serving the Storefront.
    expect(live.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Established', status: 'True' }),
    );
    expect(kJson(['get', 'storefront', 'shop', '-n', shopNs]).metadata.name).toBe('shop');
  });

  it('helm uninstall keeps the CRD, the Storefront and its data', () => {
    // Checked first: were the policy missing, uninstalling would delete every Storefront.
    expect(kJson(['get', 'crd', CRD]).metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    const pvcs = kJson(['get', 'pvc', '-n', shopNs, '-l', 'storefront.dev/storefront=shop']).items;
    expect(pvcs.length).toBeGreaterThan(0);
    const out = helmTry(['uninstall', release, '--namespace', opNs]);
    expect(out.status).toBe(0);
    expect(out.stdout + out.stderr).toContain(CRD);
    expect(kTry(['get', 'deployment', `${release}-storefront-operator`, '-n', opNs]).stderr).toContain(
      '(NotFound)',
    );
    expect(kTry(['get', 'clusterrole', `${release}-storefront-operator`]).stderr).toContain('(NotFound)');
    expect(kJson(['get', 'crd', CRD]).metadata.name).toBe(CRD);
    expect(kJson(['get', 'storefront', 'shop', '-n', shopNs]).metadata.name).toBe('shop');
    const after = kJson(['get', 'pvc', '-n', shopNs, '-l', 'storefront.dev/storefront=shop']).items;
    expect(after.map((p: { metadata: { uid: string } }) => p.metadata.uid)).toEqual(
      pvcs.map((p: { metadata: { uid: string } }) => p.metadata.uid),
    );
    expect(
      kJson(['get', 'secrets', '-n', shopNs, '-l', 'storefront.dev/storefront=shop']).items.length,
    ).toBeGreaterThan(0);
  });
});

describe('plain manifests', () => {
  it('kubectl apply -f crds/ -f deploy/ installs the operator; its Pods are admitted under restricted', async () => {
    const objects = parseObjects(readFileSync(join(ROOT, 'deploy/storefront-operator.yaml'), 'utf8'));
    const clusterScoped = objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding');
    try {
      const res = kTry(['apply', '-f', join(ROOT, 'crds'), '-f', join(ROOT, 'deploy')]);
      expect(res.stderr).not.toMatch(/error|forbidden/i);
      expect(res.status).toBe(0);
      expect(res.stdout).toContain('deployment.apps/storefront-operator');
      const pods = await waitFor('two operator Pods in storefront-system', () => {
        const list = kJson([
          'get',
          'pods',
          '-n',
          'storefront-system',
          '-l',
          'app.kubernetes.io/name=storefront-operator',
        ]).items;
        return list.length === 2 ? list : undefined;
      });
      expect(pods).toHaveLength(2);
    } finally {
      kTry(['delete', 'namespace', 'storefront-system', '--wait=false']);
      for (const o of clusterScoped) kTry(['delete', o.kind.toLowerCase(), o.metadata.name]);
      restoreCrd();
    }
  });
});
