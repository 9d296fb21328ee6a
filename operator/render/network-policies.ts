// Network isolation: deny all ingress and egress for every pod of the Storefront, then allow
// exactly: ingress controller -> app:8080; the monitoring namespace (if set) -> app:9090; app -> Postgres:5432 and Redis:6379; migration ->
// Postgres:5432; every pod -> cluster DNS:53; external databases/caches -> their CIDRs.
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { Storefront } from '../api/types.ts';
import { APP_PORT, METRICS_PORT } from './app-env.ts';
import { labels, names, STOREFRONT_LABEL, workloadSelector } from './names.ts';
import { port } from './security.ts';

type Peer = k8s.NetworkPolicyPeer;
type Rule = { peers: Peer[]; ports: { port: number; protocol?: string }[] };

const DEFAULT_EXTERNAL_CIDRS = ['0.0.0.0/0', '::/0'];

export function renderNetworkPolicies(scope: Construct, sf: Storefront): void {
  const np = sf.spec.networkPolicy;
  if (!np.enabled) return;
  const n = names(sf);
  const pods = {
    all: { matchLabels: { [STOREFRONT_LABEL]: sf.metadata.name } },
    app: { matchLabels: workloadSelector(sf, 'app') },
    migration: { matchLabels: workloadSelector(sf, 'migration') },
    postgres: { matchLabels: workloadSelector(sf, 'database') },
    redis: { matchLabels: workloadSelector(sf, 'cache') },
    cnpg: { matchLabels: { 'cnpg.io/cluster': n.cnpgCluster } },
  };
  const external: Peer[] = (np.externalEgressCIDRs ?? DEFAULT_EXTERNAL_CIDRS).map((cidr) => ({
    ipBlock: { cidr },
  }));
  const policy = (
    what: string,
    podSelector: k8s.LabelSelector,
    ingress: Rule[],
    egress: Rule[],
    types = ['Ingress', 'Egress'],
  ) => {
    const name = n.netpol(what);
    // No ports listed means every port (external peers whose port only the user's URL knows).
    const ports = (r: Rule) =>
      r.ports.length
        ? { ports: r.ports.map((p) => ({ port: port(p.port), protocol: p.protocol ?? 'TCP' })) }
        : {};
    new k8s.KubeNetworkPolicy(scope, `${name}-networkpolicy`, {
      metadata: { name, labels: labels(sf, 'network-policy', 'storefront-network-policy', 'v1') },
      spec: {
        podSelector,
        policyTypes: types,
        ...(ingress.length ? { ingress: ingress.map((r) => ({ from: r.peers, ...ports(r) })) } : {}),
        ...(egress.length ? { egress: egress.map((r) => ({ to: r.peers, ...ports(r) })) } : {}),
      },
    });
  };

  policy('default-deny', pods.all, [], []);
  policy(
    'allow-dns',
    pods.all,
    [],
    [
      {
        peers: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': np.dnsNamespace } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          },
        ],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
    ],
    ['Egress'],
  );

  const db = sf.spec.database.mode;
  const toDatabase: Rule[] =
    db === 'managed'
      ? [{ peers: [{ podSelector: pods.postgres }], ports: [{ port: 5432 }] }]
      : db === 'cloudnativepg'
        ? [{ peers: [{ podSelector: pods.cnpg }], ports: [{ port: 5432 }] }]
        : [{ peers: external, ports: [] }];
  const cache = sf.spec.cache.mode;
  const toCache: Rule[] =
    cache === 'managed'
      ? [{ peers: [{ podSelector: pods.redis }], ports: [{ port: 6379 }] }]
      : cache === 'external' && db !== 'external'
        ? [{ peers: external, ports: [] }]
        : [];

  policy(
    'app',
    pods.app,
    [
      {
        peers: [
          {
            namespaceSelector: {
              matchLabels: { 'kubernetes.io/metadata.name': np.ingressControllerNamespace },
            },
          },
        ],
        ports: [{ port: APP_PORT }],
      },
      ...(np.monitoringNamespace
        ? [
            {
              peers: [
                {
                  namespaceSelector: {
                    matchLabels: { 'kubernetes.io/metadata.name': np.monitoringNamespace },
                  },
                },
              ],
              ports: [{ port: METRICS_PORT }],
            },
          ]
        : []),
    ],
    [...toDatabase, ...toCache],
  );
  policy('migration', pods.migration, [], toDatabase, ['Egress']);
  if (db === 'managed') {
    policy(
      'postgres',
      pods.postgres,
      [{ peers: [{ podSelector: pods.app }, { podSelector: pods.migration }], ports: [{ port: 5432 }] }],
      [],
      ['Ingress'],
    );
  }
  if (cache === 'managed') {
    policy(
      'redis',
      pods.redis,
      [{ peers: [{ podSelector: pods.app }], ports: [{ port: 6379 }] }],
      [],
      ['Ingress'],
    );
  }
}
