// The operator chart with watchNamespace set: a Role and RoleBinding in that namespace, the Lease
// Role in the release namespace, nothing cluster-wide. The operator, run on this machine as the
// chart's ServiceAccount, reconciles examples/minimal.yaml there to Ready with no 403; pointed at
// another namespace it is refused, and `kubectl auth can-i` agrees on what it may not touch.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMark } from '../cluster/audit.ts';
import {
  CHART_DIR,
  canI,
  cleanupNamespaces,
  forbiddenLines,
  helm,
  helmTry,
  type LocalOperator,
  runOperator,
  serviceAccountKubeconfig,
  serviceAccountUser,
  waitForLog,
  writesBy,
} from './chart-support.ts';
import { cluster, installCrd, k, kJson, ROOT, restrictedNamespace, waitFor, waitReady } from './support.ts';

const release = `sfn-${Math.random().toString(36).slice(2, 7)}`;
let opNs = '';
let shopNs = '';
let otherNs = '';
const operators: LocalOperator[] = [];
const sa = () => ({ namespace: opNs, name: `${release}-storefront-operator` });

beforeAll(() => {
  installCrd();
  // Short names: the ServiceAccount's user name is a certificate CN here (at most 64 characters).
  opNs = restrictedNamespace('sfn');
  shopNs = restrictedNamespace('sfn-shop');
  otherNs = restrictedNamespace('sfn-other');
});

afterAll(async () => {
  for (const op of operators) await op.stop();
  helmTry(['uninstall', release, '--namespace', opNs]);
  cleanupNamespaces([shopNs, otherNs, opNs]);
});

describe('operator chart with watchNamespace', () => {
  it('installs a Role + RoleBinding in the watched namespace and nothing cluster-wide', () => {
    const out = helm([
      'install',
      release,
      CHART_DIR,
      '--namespace',
      opNs,
      '--set',
      `watchNamespace=${shopNs}`,
      '--set',
      'crds.install=false',
    ]);
    expect(out).toContain('STATUS: deployed');
    const manifest = helm(['get', 'manifest', release, '--namespace', opNs]);
    const kinds = [...manifest.matchAll(/^kind: (\S+)$/gm)].map((m) => m[1]);
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('ClusterRoleBinding');
    expect(kinds).not.toContain('CustomResourceDefinition');
    expect(
      kJson(['get', 'role', release + '-storefront-operator', '-n', shopNs]).rules.length,
    ).toBeGreaterThan(0);
    expect(
      kJson(['get', 'role', `${release}-storefront-operator-leader-election`, '-n', opNs]).rules,
    ).toHaveLength(2);
    const deploy = kJson(['get', 'deployment', `${release}-storefront-operator`, '-n', opNs]);
    expect(deploy.spec.template.spec.containers[0].args).toContain(`--namespace=${shopNs}`);
  });

  it('the operator, as the chart ServiceAccount, reconciles examples/minimal.yaml to Ready with no 403', async () => {
    const user = serviceAccountUser(opNs, sa().name);
    const since = auditMark(cluster().auditLogPath);
    const op = runOperator(serviceAccountKubeconfig(opNs, sa().name), ['--namespace', shopNs], opNs);
    operators.push(op);
    k(['apply', '-n', shopNs, '-f', join(ROOT, 'examples/minimal.yaml')]);
    await waitReady(shopNs, 'shop');
    const writes = await waitFor('status writes by the ServiceAccount', async () => {
      const w = await writesBy(user, since);
      return w.some((e) => e.objectRef?.subresource === 'status') ? w : undefined;
    });
    expect(writes.filter((e) => e.responseStatus?.code === 403)).toEqual([]);
    // Every write landed in the watched namespace or (the Lease) the release namespace.
    expect(new Set(writes.map((e) => e.objectRef?.namespace))).toEqual(new Set([shopNs, opNs]));
    expect(
      writes.filter((e) => e.objectRef?.namespace === opNs).every((e) => e.objectRef?.resource === 'leases'),
    ).toBe(true);
    await op.stop();
    expect(forbiddenLines(op.log())).toEqual([]);
  });

  it('pointed at a namespace it was not granted, the same operator is refused (403) and changes nothing', async () => {
    k(['apply', '-n', otherNs, '-f', join(ROOT, 'examples/minimal.yaml')]);
    const since = auditMark(cluster().auditLogPath);
    const op = runOperator(
      serviceAccountKubeconfig(opNs, sa().name),
      ['--namespace', otherNs, '--no-leader-elect'],
      opNs,
    );
    operators.push(op);
    const line = await waitForLog(op, (log) => forbiddenLines(log)[0], 'a 403 in the operator log');
    expect(line).toMatch(/403 Forbidden/);
    await op.stop();
    // Judged by the audit log, not by the Storefront: other tests' operators on the shared
    // cluster (all namespaces, system:masters) may reconcile it meanwhile.
    const writes = await writesBy(serviceAccountUser(opNs, sa().name), since);
    expect(
      writes.filter((e) => e.objectRef?.namespace === otherNs && (e.responseStatus?.code ?? 0) < 400),
    ).toEqual([]);
  });

  it('kubectl auth can-i: the watched namespace only, the one Lease, nothing cluster-wide', () => {
    const yes: string[][] = [
      ['list', 'storefronts.storefront.dev', '-n', shopNs],
      ['patch', 'storefronts.storefront.dev', '--subresource=status', '-n', shopNs],
      ['get', 'secrets', '-n', shopNs],
      ['create', 'deployments.apps', '-n', shopNs],
      ['create', 'events.events.k8s.io', '-n', shopNs],
      ['get', 'leases.coordination.k8s.io/storefront-operator', '-n', opNs],
      ['create', 'leases.coordination.k8s.io', '-n', opNs],
      // API discovery comes from Kubernetes' default system:discovery binding.
      ['get', '/apis/cert-manager.io/v1'],
    ];
    const no: string[][] = [
      ['get', 'secrets', '-n', otherNs],
      ['get', 'secrets', '-n', opNs],
      ['list', 'secrets', '--all-namespaces'],
      ['list', 'storefronts.storefront.dev', '--all-namespaces'],
      ['list', 'storefronts.storefront.dev', '-n', otherNs],
      ['create', 'deployments.apps', '-n', otherNs],
      ['create', 'deployments.apps', '-n', opNs],
      ['create', 'leases.coordination.k8s.io', '-n', shopNs],
      ['update', 'storefronts.storefront.dev', '-n', shopNs],
      ['delete', 'storefronts.storefront.dev', '-n', shopNs],
      ['create', 'pods', '-n', shopNs],
      ['get', 'nodes'],
    ];
    for (const args of yes) expect(canI(sa(), args), `can ${args.join(' ')}`).toBe(true);
    for (const args of no) expect(canI(sa(), args), `cannot ${args.join(' ')}`).toBe(false);
  });
});
