// The audit log records writes per user, and writeUserKubeconfig gives tests a distinct,
// non-admin identity signed by the cluster CA.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditMark, auditWrites, countAuditWrites, waitForAuditWrites } from './audit.ts';
import { testCluster } from './context.ts';
import { writeUserKubeconfig } from './harness.ts';
import { apply, createNamespace, deleteNamespace, k, kTry, uniqueName } from './test-helpers.ts';

describe('audit log and user identities', () => {
  let ns: string;
  let user: string;
  let userKubeconfig: string;
  beforeAll(() => {
    ns = createNamespace('audit');
    user = uniqueName('audit-user');
    userKubeconfig = writeUserKubeconfig(user, ['storefront-testers'], { stateDir: testCluster().stateDir });
    apply(
      [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'Role',
          metadata: { name: 'configmap-writer' },
          rules: [
            { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch', 'delete'] },
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: 'configmap-writer' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-writer' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
        },
      ],
      ns,
    );
  });
  afterAll(() => deleteNamespace(ns));

  it('when a user kubeconfig is written, then the API server sees that user and its groups, not admin', () => {
    const review = JSON.parse(k(['auth', 'whoami', '-o', 'json'], { kubeconfig: userKubeconfig })) as {
      status: { userInfo: { username: string; groups: string[] } };
    };
    expect(review.status.userInfo.username).toBe(user);
    expect(review.status.userInfo.groups).toContain('storefront-testers');
    expect(review.status.userInfo.groups).not.toContain('system:masters');
    const forbidden = kTry(['get', 'secrets', '-n', ns], { kubeconfig: userKubeconfig });
    expect(forbidden.status).not.toBe(0);
    expect(forbidden.stderr).toContain('forbidden');
  });

  it('when that user writes, then the audit log records exactly its writes', async () => {
    const mark = auditMark(testCluster().auditLogPath);
    const since = new Date();
    expect(
      await countAuditWrites({ auditLogPath: testCluster().auditLogPath, user, sinceOffset: mark }),
    ).toBe(0);

    k(['create', 'configmap', 'from-user', '-n', ns, '--from-literal=a=1'], { kubeconfig: userKubeconfig });
    k(['delete', 'configmap', 'from-user', '-n', ns], { kubeconfig: userKubeconfig });
    // Reads are not writes: this must not be counted.
    kTry(['get', 'configmap', 'from-user', '-n', ns], { kubeconfig: userKubeconfig });

    const events = await waitForAuditWrites({
      auditLogPath: testCluster().auditLogPath,
      user,
      sinceOffset: mark,
      atLeast: 2,
    });
    expect(events.map((e) => e.verb)).toEqual(['create', 'delete']);
    expect(events[0]?.objectRef).toMatchObject({ resource: 'configmaps', namespace: ns, name: 'from-user' });
    expect(events[0]?.responseStatus?.code).toBe(201);
    // The same answer by time window, and none of them attributed to the admin.
    const byTime = await countAuditWrites({
      auditLogPath: testCluster().auditLogPath,
      user,
      sinceTime: since,
    });
    expect(byTime).toBe(2);
    const adminWrites = await auditWrites({
      auditLogPath: testCluster().auditLogPath,
      user: 'storefront-admin',
      sinceOffset: mark,
      namespace: ns,
      resource: 'configmaps',
    });
    expect(adminWrites).toHaveLength(0);
  });
});
