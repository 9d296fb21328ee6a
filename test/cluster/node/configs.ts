// The real node's configuration files, as pure functions of its layout: containerd, the CNI
// network, kubelet, kube-proxy and CoreDNS. The facts behind each setting (checked on these
// machines) are in /work/shared/notes/real-node.md and test/cluster/README.md.
import { serviceRange } from '../components.ts';

/** The pod range lives only inside the node's network namespace (the host routes it nowhere). */
export const podRange = '10.244.0.0/16';
export const nodePodCidr = '10.244.0.0/24';
export const podGateway = '10.244.0.1';
export const clusterDnsIp = '10.96.0.10';
/** The in-namespace port of the API server relay (pods reach it at the node IP). */
export const apiServerNodePort = 6443;
/** The kubelet and kube-proxy know the node by this name: anything else would be resolved off the machine. */
export const nodeName = 'localhost';

/** Where one node's files, sockets and daemons' data live (all under the cluster's state directory). */
export type NodeLayout = {
  id: string;
  dir: string;
  netns: string;
  cgroupRoot: string;
  nodeIp: string;
  kubeletPort: number;
  containerdSocket: string;
  containerdRoot: string;
  containerdState: string;
  cniConfDir: string;
  cniDataDir: string;
  kubeletRoot: string;
  podLogsDir: string;
  pauseImage: string;
};

export function containerdConfig(l: NodeLayout): string {
  return `# Written by test/cluster/node/configs.ts for the real node ${l.id}.
version = 2
root = ${JSON.stringify(l.containerdRoot)}
state = ${JSON.stringify(l.containerdState)}
# CAP_SYS_RESOURCE is not in the bounding set here: no negative oom_score_adj.
oom_score = 0

[grpc]
  address = ${JSON.stringify(l.containerdSocket)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${JSON.stringify(`${l.containerdRoot}/opt`)}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${JSON.stringify(l.pauseImage)}
  restrict_oom_score_adj = true
  disable_apparmor = true
  # Pod network namespaces are mounted under our state directory, not /run/netns.
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    # Our own directory: Debian's podman puts a bridge-with-masquerade network in /etc/cni/net.d.
    conf_dir = ${JSON.stringify(l.cniConfDir)}
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "/usr/bin/runc"
        Root = ${JSON.stringify(`${l.containerdState}/runc`)}
        SystemdCgroup = false
`;
}

/**
 * One bridge inside the node's namespace; no masquerade (nothing may leave), a route for the
 * Service range through the bridge so kube-proxy's rules see that traffic, and no default route.
 */
export function cniConfig(l: NodeLayout): string {
  return `${JSON.stringify(
    {
      cniVersion: '1.0.0',
      name: 'storefront-node',
      plugins: [
        {
          type: 'bridge',
          bridge: 'sfbr0',
          isGateway: true,
          ipMasq: false,
          hairpinMode: true,
          ipam: {
            type: 'host-local',
            dataDir: l.cniDataDir,
            ranges: [[{ subnet: nodePodCidr, gateway: podGateway }]],
            routes: [{ dst: serviceRange, gw: podGateway }],
          },
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
    null,
    2,
  )}\n`;
}

export function kubeletConfig(
  l: NodeLayout,
  files: { ca: string; cert: string; key: string; resolvConf: string },
): string {
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // cgroup v1 hybrid and no systemd on these machines.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: l.cgroupRoot,
    enforceNodeAllocatable: [],
    failSwapOn: false,
    address: '127.0.0.1',
    port: l.kubeletPort,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    tlsCertFile: files.cert,
    tlsPrivateKeyFile: files.key,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: files.ca },
    },
    authorization: { mode: 'Webhook' },
    clusterDomain: 'cluster.local',
    clusterDNS: [clusterDnsIp],
    // No nameserver: pods resolve through CoreDNS only, and CoreDNS forwards nowhere.
    resolvConf: files.resolvConf,
    makeIPTablesUtilChains: false,
    // No hard eviction: a full disk on a shared machine must not evict the shop's pods.
    evictionHard: {},
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
    podLogsDir: l.podLogsDir,
    serializeImagePulls: false,
    maxPods: 110,
    // CAP_SYS_RESOURCE is missing: a negative score would fail.
    oomScoreAdj: 0,
    protectKernelDefaults: false,
    syncFrequency: '10s',
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function kubeProxyConfig(l: NodeLayout, kubeconfig: string): string {
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'nftables',
    clientConnection: { kubeconfig },
    hostnameOverride: nodeName,
    clusterCIDR: podRange,
    bindAddress: '127.0.0.1',
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    nodePortAddresses: [`${l.nodeIp}/32`],
    oomScoreAdj: 0,
    // 0 = leave the (host-wide) conntrack sysctls alone.
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** CoreDNS answers for the cluster only: no `forward`, so no query ever leaves the node. */
export const corefile = `.:53 {
    errors
    health :8080
    ready :8181
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 5
    }
    cache 5
    loop
    loadbalance
}
`;
