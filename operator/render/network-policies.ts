// Network isolation: deny all ingress and egress for every pod of the Storefront, then allow
// exactly: ingress controller -> app:8080; the monitoring namespace (if set) -> app:9090; app ->
// Postgres:5432 and Redis:6379; migration, backup and restore -> Postgres:5432 (backup and restore
// pods take no ingress at all), and to their bucket's egress CIDRs/ports with s3; every pod -> cluster DNS:53; external
// databases/caches -> their CIDRs, on their ports only (never link-local metadata addresses
// unless the user lists them).

import { DEFAULT_EXTERNAL_EGRESS } from '../api/storefront-schema.ts';
import type { Storefront } from '../api/types.ts';
import { APP_PORT, METRICS_PORT } from './app-env.ts';
import { backupS3, restoreS3, type S3Location } from './backup-s3.ts';
import * as k8s from './k8s.ts';
import { labels, names, STOREFRONT_LABEL, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';

type Peer = k8s.NetworkPolicyPeer;
type Rule = { peers: Peer[]; ports: { port: number; protocol?: string }[] };

export function renderNetworkPolicies(out: Objects, sf: Storefront): void {
  const np = sf.spec.networkPolicy;
  if (!np.enabled) return;
  const n = names(sf);
  const pods = {
    all: { matchLabels: { [STOREFRONT_LABEL]: sf.metadata.name } },
    app: { matchLabels: workloadSelector(sf, 'app') },
    migration: { matchLabels: workloadSelector(sf, 'migration') },
    postgres: { matchLabels: workloadSelector(sf, 'database') },
    redis: { matchLabels: workloadSelector(sf, 'cache') },
    backup: { matchLabels: workloadSelector(sf, 'backup') },
    restore: { matchLabels: workloadSelector(sf, 'restore') },
    cnpg: { matchLabels: { 'cnpg.io/cluster': n.cnpgCluster } },
  };
  const external: Peer[] = np.externalEgressCIDRs
    ? np.externalEgressCIDRs.map((cidr) => ({ ipBlock: { cidr } }))
    : DEFAULT_EXTERNAL_EGRESS.map((b) => ({ ipBlock: { cidr: b.cidr, except: [...b.except] } }));
  const tcp = (ports: number[]) => ports.map((p) => ({ port: p }));
  const policy = (
    what: string,
    podSelector: k8s.LabelSelector,
    ingress: Rule[],
    egress: Rule[],
    types = ['Ingress', 'Egress'],
  ) => {
    const name = n.netpol(what);
    // Every rule names its ports: a rule without ports would open every port of its peers.
    const ports = (r: Rule) => ({
      ports: r.ports.map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' })),
    });
    out.add(k8s.NetworkPolicy, {
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
        : [{ peers: external, ports: tcp(np.externalDatabasePorts) }];
  const cache = sf.spec.cache.mode;
  const toCache: Rule[] =
    cache === 'managed'
      ? [{ peers: [{ podSelector: pods.redis }], ports: [{ port: 6379 }] }]
      : cache === 'external'
        ? [{ peers: external, ports: tcp(np.externalCachePorts) }]
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
  // Backup and restore pods: egress to Postgres only (and DNS above), no ingress at all; with a
  // bucket, also to exactly its egress CIDRs and ports (a policy cannot select by DNS name; an
  // endpoint given by host name resolves through the allow-dns policy every pod has).
  const backup = db === 'managed' && !!sf.spec.database.backup;
  const restore = db === 'managed' && !!sf.spec.database.restore;
  const toBucket = (s3: S3Location | undefined): Rule[] =>
    (s3?.egress ?? []).map((e) => ({ peers: [{ ipBlock: { cidr: e.cidr } }], ports: tcp(e.ports) }));
  if (backup) policy('backup', pods.backup, [], [...toDatabase, ...toBucket(backupS3(sf))]);
  if (restore) policy('restore', pods.restore, [], [...toDatabase, ...toBucket(restoreS3(sf))]);
  // `storefront backup list`'s Job reads the bucket: egress to it only (no Postgres, no ingress).
  // The selector takes the backup pods too (it adds nothing for them: they reach the bucket
  // already), because the listing Job exists only while the CLI runs, and a policy that selects
  // no rendered pod is what kube-score's networkpolicy-targets-pod rightly flags.
  const listed = backup ? backupS3(sf) : undefined;
  if (listed) {
    const [b, l] = [workloadSelector(sf, 'backup'), workloadSelector(sf, 'backupList')];
    const either = (key: string) => ({ key, operator: 'In', values: [b[key]!, l[key]!] });
    const { 'app.kubernetes.io/component': _, 'app.kubernetes.io/name': __, ...same } = l;
    policy(
      'backup-list',
      {
        matchLabels: same,
        matchExpressions: [either('app.kubernetes.io/component'), either('app.kubernetes.io/name')],
      },
      [],
      toBucket(listed),
    );
  }
  if (db === 'managed') {
    const clients = [
      pods.app,
      pods.migration,
      ...(backup ? [pods.backup] : []),
      ...(restore ? [pods.restore] : []),
    ];
    policy(
      'postgres',
      pods.postgres,
      [{ peers: clients.map((podSelector) => ({ podSelector })), ports: [{ port: 5432 }] }],
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
