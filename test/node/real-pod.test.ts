// Real containers on the real node: a Pod Security `restricted` pod runs with its securityContext
// in force (seccomp, no new privileges, no capabilities, its uid), serves HTTP behind a readiness
// probe, resolves cluster names through CoreDNS (kube-dns), and is reachable through a ClusterIP
// Service via kube-proxy; `kubectl logs` and `exec` reach its kubelet through the relay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from '../cluster/context.ts';
import { nodeBaseImage } from '../cluster/node/base-images.ts';
import { loadImages } from '../cluster/node/node.ts';
import { apply, createNamespace, deleteNamespace, getJson, k, waitFor } from '../cluster/test-helpers.ts';

const restricted = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
};

const server = `require('node:http').createServer((q, s) => s.end('hello from ' + process.getuid())).listen(8080, () => console.log('listening'))`;

function restrictedPod(name: string, image: string, args: string[], labels: Record<string, string> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: name, ...labels } },
    spec: {
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 10001,
        runAsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'main',
          image,
          imagePullPolicy: 'Never',
          command: ['node', '-e'],
          args,
          ports: [{ containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 2 },
          resources: { limits: { memory: '128Mi', cpu: '500m' }, requests: { memory: '64Mi', cpu: '10m' } },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  };
}

function podReady(ns: string, name: string) {
  return waitFor(`pod ${ns}/${name} Ready`, () => {
    const pod = getJson<any>(['pod', name, '-n', ns]);
    return pod.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')
      ? pod
      : undefined;
  });
}

describe('real containers on the real node', () => {
  let ns: string;
  let image: string;
  /** Runs a line of JavaScript with Node in the `client` pod; its stdout. */
  const inClient = (script: string) => k(['exec', '-n', ns, 'client', '--', 'node', '-e', script]);

  beforeAll(async () => {
    const base = await nodeBaseImage();
    loadImages(testCluster().stateDir, [base]);
    image = base.ref;
    ns = createNamespace('realpod', restricted);
    apply(
      [
        restrictedPod('web', image, [server]),
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'web' },
          spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
        },
        restrictedPod('client', image, [server]),
      ],
      ns,
    );
    await podReady(ns, 'web');
    await podReady(ns, 'client');
  });

  afterAll(() => {
    if (ns) deleteNamespace(ns);
  });

  it('when a restricted pod runs, then seccomp, no-new-privileges, no capabilities and its uid are in force', () => {
    const pod = getJson<any>(['pod', 'web', '-n', ns]);
    expect(pod.spec.nodeName).toBe('localhost');
    expect(pod.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\//);
    const status = k(['exec', '-n', ns, 'web', '--', 'cat', '/proc/1/status']);
    expect(status).toMatch(/^Seccomp:\s+2$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(status).toMatch(/^CapEff:\s+0+$/m);
    expect(status).toMatch(/^Uid:\s+10001\s/m);
    expect(k(['logs', '-n', ns, 'web'])).toContain('listening');
  });

  it('when a pod resolves a cluster name, then CoreDNS (kube-dns) answers it', () => {
    const out = inClient(
      `require('node:dns').promises.lookup('web.${ns}.svc.cluster.local').then((a) => console.log(a.address))`,
    );
    const svc = getJson<any>(['service', 'web', '-n', ns]);
    expect(out.trim()).toBe(svc.spec.clusterIP);
  });

  it('when a pod calls a ClusterIP Service, then kube-proxy delivers it to the serving pod', () => {
    const out = inClient(`fetch('http://web/').then((r) => r.text()).then((t) => console.log(t))`);
    expect(out.trim()).toBe('hello from 10001');
  });
});
