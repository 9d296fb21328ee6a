// The control plane's processes, one function per component: the command line each one runs
// with, given the cluster's certificates, kubeconfigs and ports (harness.ts starts and stops them).
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterSourceDir } from './paths.ts';
import { type CertPaths, ensureCa, ensureServiceAccountKeys, issueCert, kubeconfigYaml } from './pki.ts';

export type ComponentName =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kwok'
  | 'storefront-provisioner'
  | 'storefront-reference-checker';
export type Component = { name: ComponentName; bin: string; args: string[] };

export const fakeNodeAnnotation = 'kwok.x-k8s.io/node';
/** Our kwok stages (failures on demand), read from the source tree; see the file. */
export const storefrontStages = join(clusterSourceDir, 'kwok', 'storefront-stages.yaml');
/** A migration Job whose pods run this image fails (kwok stage storefront-migration-fails). */
export const FAILING_MIGRATION_IMAGE = 'registry.storefront.test/fail-migration:1';
export const provisionerName = 'storefront.dev/local-path';
export const adminUser = 'storefront-admin';
/** Service ClusterIPs; the real node's host routes and kube-proxy use the same range. */
export const serviceRange = '10.96.0.0/16';

/** Where one cluster's pieces live, shared by every component's command line. */
export type Setup = {
  stateDir: string;
  binDir: string;
  clusterDir: string;
  ports: Record<string, number>;
  apiServerUrl: string;
  ca: CertPaths;
  kubeconfigs: Record<string, string>;
  /** Flags for scale benchmarks (see scaleFlags); off for tests. */
  scale?: boolean;
};

/**
 * Client rate limits and worker counts for scale benchmarks (thousands of Deployments and Pods on
 * one machine). With the 100 QPS set below and five workers per workload controller, the
 * controller-manager and scheduler meter out pod creation and binding, so time-to-Ready would
 * measure their client-side throttling rather than the API server or the operator. Lifted as
 * kwokctl's `--disable-qps-limits` does (5000 QPS, burst 10000; kwok itself runs unlimited), with
 * 20 workers per workload controller; applied alike to every run on the cluster (the operator's and
 * the no-operator floor), so a ratio between them stays fair. Tests keep the defaults.
 */
export const scaleFlags = {
  'kube-controller-manager': [
    '--kube-api-qps=5000',
    '--kube-api-burst=10000',
    '--concurrent-deployment-syncs=20',
    '--concurrent-replicaset-syncs=20',
    '--concurrent-statefulset-syncs=20',
    '--concurrent-job-syncs=20',
  ],
  'kube-scheduler': ['--kube-api-qps=5000', '--kube-api-burst=10000'],
} as const;

/** Later flags win in Go's flag parsing, so scale values override the defaults listed before them. */
const scaled = (s: Setup, name: keyof typeof scaleFlags): string[] => (s.scale ? [...scaleFlags[name]] : []);

/** The identities that get a client certificate and a kubeconfig (admin's is `<state>/kubeconfig`). */
const identities = {
  admin: { cn: adminUser, orgs: ['system:masters'] },
  'kube-controller-manager': { cn: 'system:kube-controller-manager' },
  'kube-scheduler': { cn: 'system:kube-scheduler' },
  kwok: { cn: 'system:kwok', orgs: ['system:masters'] },
  'storefront-provisioner': { cn: 'system:storefront-provisioner', orgs: ['system:masters'] },
  'storefront-reference-checker': { cn: 'system:storefront-reference-checker', orgs: ['system:masters'] },
};

/** The CA and one client certificate + kubeconfig per identity; returns the admin's certificate too. */
export function writeIdentities(
  stateDir: string,
  apiServerUrl: string,
): { ca: CertPaths; kubeconfigs: Record<string, string>; admin: CertPaths } {
  const pki = join(stateDir, 'pki');
  const ca = ensureCa(pki);
  const kubeconfigs: Record<string, string> = {};
  let admin: CertPaths | undefined;
  for (const [name, id] of Object.entries(identities)) {
    const cert = issueCert(pki, name, id);
    if (name === 'admin') admin = cert;
    const path = name === 'admin' ? join(stateDir, 'kubeconfig') : join(stateDir, `${name}.kubeconfig`);
    const yaml = kubeconfigYaml({
      server: apiServerUrl,
      caCert: ca.cert,
      clientCert: cert.cert,
      clientKey: cert.key,
      user: id.cn,
    });
    writeFileSync(path, yaml, { mode: 0o600 });
    kubeconfigs[name] = path;
  }
  return { ca, kubeconfigs, admin: admin! };
}

export function etcd(s: Setup): Component {
  const { ports } = s;
  return {
    name: 'etcd',
    bin: join(s.binDir, 'etcd'),
    args: [
      '--name=default',
      `--data-dir=${join(s.stateDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${ports['etcd']}`,
      `--advertise-client-urls=http://127.0.0.1:${ports['etcd']}`,
      `--listen-peer-urls=http://127.0.0.1:${ports['etcdPeer']}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports['etcdPeer']}`,
      `--initial-cluster=default=http://127.0.0.1:${ports['etcdPeer']}`,
      '--unsafe-no-fsync=true',
      `--quota-backend-bytes=${8 * 2 ** 30}`,
      '--log-level=warn',
    ],
  };
}

const auditPolicy = `# Written by test/cluster/components.ts: one Metadata-level event per write request.
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
- level: Metadata
  verbs: [create, update, patch, delete, deletecollection]
- level: None
`;

export const auditLogPath = (stateDir: string) => join(stateDir, 'audit', 'audit.log');

/**
 * The API server. Its kubelet client certificate lets `kubectl logs/exec` reach a real node's
 * kubelet; `Hostname` first because the real node is named `localhost` and its kubelet is relayed
 * to the host's loopback (kwok nodes serve no logs either way).
 */
export function kubeApiServer(s: Setup): Component {
  const pki = join(s.stateDir, 'pki');
  const sa = ensureServiceAccountKeys(pki);
  const serving = issueCert(pki, 'apiserver', {
    cn: 'kube-apiserver',
    sans: [
      'IP:127.0.0.1',
      'IP:10.96.0.1',
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ],
  });
  // Front-proxy identity: lets delegated authentication (controller-manager, scheduler,
  // aggregated API servers) trust request headers, as kubeadm sets it up.
  const frontProxy = issueCert(pki, 'front-proxy-client', { cn: 'front-proxy-client' });
  const kubeletClient = issueCert(pki, 'apiserver-kubelet-client', {
    cn: 'kube-apiserver-kubelet-client',
    orgs: ['system:masters'],
  });
  const auditDir = join(s.stateDir, 'audit');
  mkdirSync(auditDir, { recursive: true });
  writeFileSync(join(auditDir, 'policy.yaml'), auditPolicy);
  return {
    name: 'kube-apiserver',
    bin: join(s.binDir, 'kube-apiserver'),
    args: [
      `--etcd-servers=http://127.0.0.1:${s.ports['etcd']}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${s.ports['apiserver']}`,
      `--tls-cert-file=${serving.cert}`,
      `--tls-private-key-file=${serving.key}`,
      `--client-ca-file=${s.ca.cert}`,
      `--service-cluster-ip-range=${serviceRange}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${sa.publicKey}`,
      `--service-account-signing-key-file=${sa.privateKey}`,
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      '--endpoint-reconciler-type=none',
      `--audit-policy-file=${join(auditDir, 'policy.yaml')}`,
      `--audit-log-path=${auditLogPath(s.stateDir)}`,
      '--audit-log-format=json',
      '--audit-log-maxsize=0', // 0 = one plain file, never rotated (the default rotates at 100 MB)
      `--requestheader-client-ca-file=${s.ca.cert}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${frontProxy.cert}`,
      `--proxy-client-key-file=${frontProxy.key}`,
      `--kubelet-client-certificate=${kubeletClient.cert}`,
      `--kubelet-client-key=${kubeletClient.key}`,
      `--kubelet-certificate-authority=${s.ca.cert}`,
      '--kubelet-preferred-address-types=Hostname,InternalIP',
    ],
  };
}

export function kubeControllerManager(s: Setup): Component {
  const kubeconfig = s.kubeconfigs['kube-controller-manager'];
  const pki = join(s.stateDir, 'pki');
  const sa = ensureServiceAccountKeys(pki);
  return {
    name: 'kube-controller-manager',
    bin: join(s.binDir, 'kube-controller-manager'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${s.ports['controllerManager']}`,
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      `--root-ca-file=${s.ca.cert}`,
      `--service-account-private-key-file=${sa.privateKey}`,
      `--cluster-signing-cert-file=${s.ca.cert}`,
      `--cluster-signing-key-file=${s.ca.key}`,
      '--cluster-name=storefront-local',
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      ...scaled(s, 'kube-controller-manager'),
    ],
  };
}

export function kubeScheduler(s: Setup): Component {
  const kubeconfig = s.kubeconfigs['kube-scheduler'];
  return {
    name: 'kube-scheduler',
    bin: join(s.binDir, 'kube-scheduler'),
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${s.ports['scheduler']}`,
      '--leader-elect=false',
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      ...scaled(s, 'kube-scheduler'),
    ],
  };
}

/** Fake nodes: kwok manages only the nodes annotated as fake, never the real node. */
export function kwok(s: Setup): Component {
  return {
    name: 'kwok',
    bin: join(s.binDir, 'kwok'),
    args: [
      `--kubeconfig=${s.kubeconfigs['kwok']}`,
      `--config=${join(s.clusterDir, 'stages', 'kwok-stages.yaml')}`,
      `--config=${storefrontStages}`,
      `--manage-nodes-with-annotation-selector=${fakeNodeAnnotation}=fake`,
      '--cidr=10.0.0.0/16',
      '--node-lease-duration-seconds=40',
    ],
  };
}

export function storefrontProvisioner(s: Setup): Component {
  mkdirSync(join(s.stateDir, 'volumes'), { recursive: true });
  return {
    name: 'storefront-provisioner',
    bin: join(s.binDir, 'storefront-provisioner'),
    args: [
      `--kubeconfig=${s.kubeconfigs['storefront-provisioner']}`,
      `--provisioner-name=${provisionerName}`,
      `--root=${join(s.stateDir, 'volumes')}`,
    ],
  };
}

/**
 * The kubelet's check that a pod's Secrets and ConfigMaps exist, for kwok's fake nodes (kwok's
 * stages cannot look other objects up): kwok/reference-checker.ts on this Node, from this clone.
 */
export function storefrontReferenceChecker(s: Setup): Component {
  return {
    name: 'storefront-reference-checker',
    bin: realpathSync(process.execPath),
    args: [
      join(clusterSourceDir, 'kwok', 'reference-checker.ts'),
      `--kubeconfig=${s.kubeconfigs['storefront-reference-checker']}`,
    ],
  };
}

/** Every component, in start order. */
export const controlPlane = [
  etcd,
  kubeApiServer,
  kubeControllerManager,
  kubeScheduler,
  kwok,
  storefrontProvisioner,
  storefrontReferenceChecker,
] as const;
