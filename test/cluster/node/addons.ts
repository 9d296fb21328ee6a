// The objects a real node's cluster needs besides the node itself, as on a kubeadm or kind
// cluster: the `kubernetes` Service's endpoint (the API server has no endpoint reconciler here),
// CoreDNS as Deployment + Service `kube-dns` (pods labelled `k8s-app: kube-dns`), and the RBAC
// of kube-router's NetworkPolicy firewall.
import { apiServerNodePort, clusterDnsIp, corefile } from './configs.ts';
import { oneReplicaDeployment } from './manifests.ts';

export const kubeRouterUser = 'system:kube-router';

/** The API server, as pods see it: the in-namespace relay on the node IP. */
function apiServerEndpoint(nodeIp: string) {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default' },
    subsets: [
      { addresses: [{ ip: nodeIp }], ports: [{ name: 'https', port: apiServerNodePort, protocol: 'TCP' }] },
    ],
  };
}

function kubeRouterRbac() {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'storefront:kube-router' },
      rules: [
        {
          apiGroups: [''],
          resources: ['namespaces', 'pods', 'services', 'nodes', 'endpoints'],
          verbs: ['get', 'list', 'watch'],
        },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'storefront:kube-router' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'storefront:kube-router' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: kubeRouterUser }],
    },
  ];
}

function coreDns(image: string) {
  const labels = { 'k8s-app': 'kube-dns' };
  const meta = (name: string) => ({ name, namespace: 'kube-system', labels });
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('coredns') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'system:coredns' },
      rules: [
        {
          apiGroups: [''],
          resources: ['endpoints', 'services', 'pods', 'namespaces'],
          verbs: ['list', 'watch'],
        },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }],
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('coredns'), data: { Corefile: corefile } },
    oneReplicaDeployment(meta('coredns'), labels, {
      serviceAccountName: 'coredns',
      // Port 53 without any capability (a capability added for a non-root process is not
      // effective unless the binary carries it): the pod's own, namespaced sysctl.
      securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '53' }] },
      priorityClassName: 'system-cluster-critical',
      containers: [
        {
          name: 'coredns',
          image,
          imagePullPolicy: 'Never',
          args: ['-conf', '/etc/coredns/Corefile'],
          ports: [
            { name: 'dns', containerPort: 53, protocol: 'UDP' },
            { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
          ],
          readinessProbe: { httpGet: { path: '/ready', port: 8181 }, periodSeconds: 2 },
          livenessProbe: { httpGet: { path: '/health', port: 8080 }, periodSeconds: 10 },
          resources: { limits: { memory: '170Mi' }, requests: { cpu: '10m', memory: '70Mi' } },
          securityContext: {
            runAsUser: 65532,
            runAsGroup: 65532,
            runAsNonRoot: true,
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumeMounts: [{ name: 'config', mountPath: '/etc/coredns', readOnly: true }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'coredns' } }],
    }),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('kube-dns'),
      spec: {
        clusterIP: clusterDnsIp,
        selector: labels,
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        ],
      },
    },
  ];
}

/** Everything above as one kubectl List, applied once the node is Ready. */
export function addonManifests(opts: { nodeIp: string; coreDnsImage: string }) {
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [apiServerEndpoint(opts.nodeIp), ...kubeRouterRbac(), ...coreDns(opts.coreDnsImage)],
  };
}
