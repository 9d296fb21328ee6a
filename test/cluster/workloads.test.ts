// The control plane runs real controllers: Deployments roll out onto kwok nodes, StatefulSets
// get dynamically provisioned volumes, and the garbage collector removes dependents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apply, createNamespace, deleteNamespace, getJson, k, kTry, waitFor } from './test-helpers.ts';

type Conditioned = { status?: { conditions?: { type: string; status: string }[] } };
const condition = (obj: Conditioned, type: string) =>
  obj.status?.conditions?.find((c) => c.type === type)?.status;

const restrictedContainer = (name: string) => ({
  name,
  image: 'registry.k8s.io/pause:3.10',
  securityContext: {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    runAsNonRoot: true,
    runAsUser: 65532,
    seccompProfile: { type: 'RuntimeDefault' },
  },
});

describe('workloads on the local control plane', () => {
  let ns: string;
  beforeAll(() => {
    ns = createNamespace('workloads');
  });
  afterAll(() => deleteNamespace(ns));

  it('when a Deployment of 2 replicas is created, then it becomes Available with 2 ready pods on fake nodes', async () => {
    apply(
      [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [restrictedContainer('web')] },
            },
          },
        },
      ],
      ns,
    );
    const deployment = await waitFor('Deployment web Available with 2 ready replicas', () => {
      const d = getJson<Conditioned & { status?: { readyReplicas?: number } }>([
        'deployment',
        'web',
        '-n',
        ns,
      ]);
      return condition(d, 'Available') === 'True' && d.status?.readyReplicas === 2 ? d : undefined;
    });
    expect(deployment.status?.readyReplicas).toBe(2);

    const pods = getJson<{
      items: { spec: { nodeName?: string }; status: { phase: string; podIP?: string } }[];
    }>(['pods', '-n', ns, '-l', 'app=web']);
    expect(pods.items).toHaveLength(2);
    for (const pod of pods.items) {
      expect(pod.status.phase).toBe('Running');
      expect(pod.spec.nodeName).toMatch(/^kwok-node-/);
      expect(pod.status.podIP).toBeTruthy();
    }
  });

  it('when a StatefulSet has a volumeClaimTemplate, then its PVC is provisioned, Bound, and the pod Ready', async () => {
    apply(
      [
        {
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'db' },
          spec: {
            serviceName: 'db',
            replicas: 1,
            selector: { matchLabels: { app: 'db' } },
            template: {
              metadata: { labels: { app: 'db' } },
              spec: { containers: [restrictedContainer('db')] },
            },
            volumeClaimTemplates: [
              {
                metadata: { name: 'data' },
                spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '3Gi' } } },
              },
            ],
          },
        },
      ],
      ns,
    );
    const sts = await waitFor('StatefulSet db with 1 ready replica', () => {
      const s = getJson<{ status?: { readyReplicas?: number } }>(['statefulset', 'db', '-n', ns]);
      return s.status?.readyReplicas === 1 ? s : undefined;
    });
    expect(sts.status?.readyReplicas).toBe(1);

    const pvc = getJson<{
      spec: { storageClassName?: string; volumeName?: string };
      status: { phase: string; capacity?: { storage?: string } };
    }>(['pvc', 'data-db-0', '-n', ns]);
    expect(pvc.status.phase).toBe('Bound');
    expect(pvc.spec.storageClassName).toBe('standard'); // the default StorageClass was applied
    expect(pvc.status.capacity?.storage).toBe('3Gi');
    const pv = getJson<{ spec: { claimRef: { name: string; namespace: string } } }>([
      'pv',
      pvc.spec.volumeName!,
    ]);
    expect(pv.spec.claimRef).toMatchObject({ name: 'data-db-0', namespace: ns });
  });

  it('when a released volume has reclaimPolicy Delete, then the provisioner deletes it', async () => {
    apply(
      [
        {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          metadata: { name: 'scratch' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
        },
      ],
      ns,
    );
    const volume = await waitFor('PVC scratch Bound', () => {
      const pvc = getJson<{ spec: { volumeName?: string }; status: { phase: string } }>([
        'pvc',
        'scratch',
        '-n',
        ns,
      ]);
      return pvc.status.phase === 'Bound' ? pvc.spec.volumeName : undefined;
    });
    k(['delete', 'pvc', 'scratch', '-n', ns]);
    await waitFor(`PV ${volume} deleted`, () =>
      kTry(['get', 'pv', volume]).stderr.includes('NotFound') ? true : undefined,
    );
    expect(kTry(['get', 'pv', volume]).stderr).toContain('(NotFound)');
  });

  it('when an owner is deleted, then the garbage collector deletes its dependents', async () => {
    apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner' }, data: { a: '1' } }], ns);
    const owner = getJson<{ metadata: { uid: string } }>(['configmap', 'owner', '-n', ns]);
    apply(
      [
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'dependent',
            ownerReferences: [
              { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid },
            ],
          },
          data: { b: '2' },
        },
      ],
      ns,
    );
    expect(kTry(['get', 'configmap', 'dependent', '-n', ns]).status).toBe(0);
    k(['delete', 'configmap', 'owner', '-n', ns]);
    await waitFor('dependent ConfigMap garbage-collected', () =>
      kTry(['get', 'configmap', 'dependent', '-n', ns]).stderr.includes('NotFound') ? true : undefined,
    );
    expect(kTry(['get', 'configmap', 'dependent', '-n', ns]).stderr).toContain('(NotFound)');
  });
});
