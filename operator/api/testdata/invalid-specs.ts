// Invalid Storefronts and the field each must be rejected on. The CLI's validation (unit test)
// and the real API server (cluster test) are both checked against this one table, so the two can
// never disagree. `old` makes it an update: the spec is first created as `old`, then changed.

export interface InvalidSpecCase {
  name: string;
  /** The spec (merged over a valid base), or a whole document with `doc`. */
  spec?: Record<string, unknown>;
  doc?: Record<string, unknown>;
  old?: Record<string, unknown>;
  /** The field path the error must name. */
  path: string;
  /**
   * The API server does not refuse this one but prunes the null and stores the field's default
   * (structural defaulting); the CLI refuses it. The cluster test checks the stored default.
   */
  apiServerDefaults?: true;
}

export const BASE_NAME = 'bad-shop';

/** Every image field pinned by digest (with and without a tag): valid, for the CLI and the API server. */
export const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
export const pinnedImages = {
  app: { image: `ghcr.io/storefront-dev/storefront-shop@${DIGEST}` },
  database: { image: `docker.io/library/postgres:17-bookworm@${DIGEST}` },
  cache: { image: `registry.local:5000/cache/redis@${DIGEST}` },
};

/** A valid S3 location (backup.destination.s3, restore.from.s3); cases break one field of it. */
export const S3 = {
  endpoint: 'https://s3.example.com',
  bucket: 'shop-backups',
  credentialsSecret: { name: 's3-credentials' },
  egress: [{ cidr: '192.0.2.10/32', ports: [443] }],
};
const s3Backup = (s3: Record<string, unknown>) => ({
  schedule: '@daily',
  destination: { s3: { ...S3, ...s3 } },
});

export function baseDoc(spec: Record<string, unknown> = {}, name = BASE_NAME): Record<string, unknown> {
  return {
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name },
    spec: { host: 'shop.example.com', ...spec },
  };
}

export function caseDoc(c: InvalidSpecCase, name = BASE_NAME): Record<string, unknown> {
  return c.doc ? { ...c.doc, metadata: { name } } : baseDoc(c.spec, name);
}

const env = (...vars: Record<string, unknown>[]) => ({ app: { env: vars } });
/** An object with an own `__proto__` key, as JSON.parse and YAML produce it (a literal would set the prototype). */
const protoKey = (value: unknown) =>
  JSON.parse(`{"__proto__": ${JSON.stringify(value)}}`) as Record<string, unknown>;

export const invalidSpecs: InvalidSpecCase[] = [
  {
    name: 'host missing',
    doc: { apiVersion: 'storefront.dev/v1alpha1', kind: 'Storefront', metadata: {}, spec: { app: {} } },
    path: 'spec.host',
  },
  { name: 'host with underscore and capitals', spec: { host: 'My_Shop.example.com' }, path: 'spec.host' },
  { name: 'host wildcard', spec: { host: '*.example.com' }, path: 'spec.host' },
  { name: 'replicas zero', spec: { app: { replicas: 0 } }, path: 'spec.app.replicas' },
  { name: 'replicas not a number', spec: { app: { replicas: 'two' } }, path: 'spec.app.replicas' },
  {
    name: 'image with capitals in the repository',
    spec: { app: { image: 'ghcr.io/Shop/App:1.0' } },
    path: 'spec.app.image',
  },
  { name: 'image with a space', spec: { app: { image: 'shop app:1.0' } }, path: 'spec.app.image' },
  {
    name: 'image digest too short',
    spec: { app: { image: 'ghcr.io/shop/app@sha256:0123456789abcdef' } },
    path: 'spec.app.image',
  },
  {
    name: 'image digest in capitals',
    spec: { cache: { image: `docker.io/library/redis@sha256:${'AB'.repeat(32)}` } },
    path: 'spec.cache.image',
  },
  {
    name: 'image digest of another algorithm',
    spec: { database: { image: `docker.io/library/postgres:17@sha512:${'ab'.repeat(64)}` } },
    path: 'spec.database.image',
  },
  {
    name: 'autoscaling min above max',
    spec: { app: { autoscaling: { enabled: true, minReplicas: 8, maxReplicas: 4 } } },
    path: 'spec.app.autoscaling.minReplicas',
  },
  {
    name: 'autoscaling target zero',
    spec: { app: { autoscaling: { targetCPUUtilizationPercentage: 0 } } },
    path: 'spec.app.autoscaling.targetCPUUtilizationPercentage',
  },
  {
    name: 'cpu request not a quantity',
    spec: { app: { resources: { requests: { cpu: 'lots' } } } },
    path: 'spec.app.resources.requests.cpu',
  },
  {
    name: 'memory request above limit',
    spec: { app: { resources: { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } } } },
    path: 'spec.app.resources.requests.memory',
  },
  {
    name: 'env overrides a reserved variable',
    spec: env({ name: 'DATABASE_URL', value: 'postgres://x' }),
    path: 'spec.app.env[0].name',
  },
  {
    name: 'env name not an identifier',
    spec: env({ name: '1-BAD', value: 'x' }),
    path: 'spec.app.env[0].name',
  },
  {
    name: 'env with value and secretKeyRef',
    spec: env({ name: 'TOKEN', value: 'x', secretKeyRef: { name: 's', key: 'k' } }),
    path: 'spec.app.env[0].secretKeyRef',
  },
  {
    name: 'env duplicate names',
    spec: env({ name: 'A', value: '1' }, { name: 'A', value: '2' }),
    path: 'spec.app.env[1]',
  },
  {
    name: "tls mode 'secret' without secretName",
    spec: { ingress: { tls: { mode: 'secret' } } },
    path: 'spec.ingress.tls.secretName',
  },
  {
    name: "tls mode 'certManager' without issuerRef",
    spec: { ingress: { tls: { mode: 'certManager' } } },
    path: 'spec.ingress.tls.issuerRef',
  },
  {
    name: 'tls mode unknown',
    spec: { ingress: { tls: { mode: 'letsencrypt' } } },
    path: 'spec.ingress.tls.mode',
  },
  {
    name: 'gatewayAPI without gateway',
    spec: { ingress: { provider: 'gatewayAPI' } },
    path: 'spec.ingress.gateway',
  },
  {
    name: 'WAF with gatewayAPI',
    spec: {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'public' }] },
        waf: { enabled: true },
      },
    },
    path: 'spec.ingress.waf.enabled',
  },
  {
    name: 'podMonitor with default-deny NetworkPolicies and no monitoringNamespace',
    spec: { monitoring: { podMonitor: { enabled: true } } },
    path: 'spec.networkPolicy.monitoringNamespace',
  },
  {
    name: 'serviceMonitor with default-deny NetworkPolicies and no monitoringNamespace',
    spec: { monitoring: { serviceMonitor: { enabled: true } } },
    path: 'spec.networkPolicy.monitoringNamespace',
  },
  {
    name: 'serviceMonitor interval that is not a duration in s, m or h',
    spec: {
      monitoring: { serviceMonitor: { enabled: true, interval: '5x' } },
      networkPolicy: { monitoringNamespace: 'monitoring' },
    },
    path: 'spec.monitoring.serviceMonitor.interval',
  },
  {
    name: 'podMonitor interval that is not a duration in s, m or h',
    spec: {
      monitoring: { podMonitor: { enabled: true, interval: '30' } },
      networkPolicy: { monitoringNamespace: 'monitoring' },
    },
    path: 'spec.monitoring.podMonitor.interval',
  },
  {
    name: 'rateLimit with gatewayAPI (an HTTPRoute cannot enforce it)',
    spec: {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'public' }] },
        rateLimit: { requestsPerSecond: 10 },
      },
    },
    path: 'spec.ingress.rateLimit',
  },
  {
    name: 'rateLimit switched off explicitly with gatewayAPI (set is refused, whatever the value)',
    spec: {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'public' }] },
        rateLimit: { requestsPerSecond: 0 },
      },
    },
    path: 'spec.ingress.rateLimit',
  },
  {
    name: 'bodySizeLimit with gatewayAPI (an HTTPRoute cannot enforce it)',
    spec: {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'public' }] },
        bodySizeLimit: '8m',
      },
    },
    path: 'spec.ingress.bodySizeLimit',
  },
  {
    // The former defaults are accepted only when the stored gatewayAPI object already held them.
    name: 'rateLimit at its former default added to a gatewayAPI Storefront that had none',
    old: { ingress: { provider: 'gatewayAPI', gateway: { parentRefs: [{ name: 'public' }] } } },
    spec: {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'public' }] },
        rateLimit: { requestsPerSecond: 20, burstMultiplier: 5, connections: 0 },
      },
    },
    path: 'spec.ingress.rateLimit',
  },
  {
    name: 'nginx Storefront switched to gatewayAPI keeping its rateLimit and bodySizeLimit at the former defaults',
    old: {
      ingress: {
        rateLimit: { requestsPerSecond: 20, burstMultiplier: 5, connections: 0 },
        bodySizeLimit: '1m',
      },
    },
    spec: {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'public' }] },
        rateLimit: { requestsPerSecond: 20, burstMultiplier: 5, connections: 0 },
        bodySizeLimit: '1m',
      },
    },
    path: 'spec.ingress.rateLimit',
  },
  {
    name: 'bodySizeLimit at its former default added to a gatewayAPI Storefront that had none',
    old: { ingress: { provider: 'gatewayAPI', gateway: { parentRefs: [{ name: 'public' }] } } },
    spec: {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'public' }] },
        bodySizeLimit: '1m',
      },
    },
    path: 'spec.ingress.bodySizeLimit',
  },
  {
    name: 'body size limit with a space',
    spec: { ingress: { bodySizeLimit: '1 MB' } },
    path: 'spec.ingress.bodySizeLimit',
  },
  {
    name: 'negative rate limit',
    spec: { ingress: { rateLimit: { requestsPerSecond: -5 } } },
    path: 'spec.ingress.rateLimit.requestsPerSecond',
  },
  {
    name: 'CDN over plain http',
    spec: { cdn: { assetBaseUrl: 'http://cdn.example.com' } },
    path: 'spec.cdn.assetBaseUrl',
  },
  {
    name: 'external database without a Secret',
    spec: { database: { mode: 'external' } },
    path: 'spec.database.external',
  },
  {
    name: 'unsupported Postgres version',
    spec: { database: { version: '9.6' } },
    path: 'spec.database.version',
  },
  {
    name: 'storage size not a quantity',
    spec: { database: { storage: { size: '10 gigs' } } },
    path: 'spec.database.storage.size',
  },
  {
    name: 'external cache without a Secret',
    spec: { cache: { mode: 'external' } },
    path: 'spec.cache.external',
  },
  {
    name: 'cache maxMemory at the memory limit',
    spec: { cache: { maxMemory: '512Mi', resources: { limits: { memory: '512Mi' } } } },
    path: 'spec.cache.maxMemory',
  },
  { name: 'unknown deletion policy', spec: { deletionPolicy: 'Orphan' }, path: 'spec.deletionPolicy' },
  { name: 'misspelt field', spec: { hots: 'shop.example.com' }, path: 'spec.hots' },
  {
    name: 'egress CIDR not a CIDR',
    spec: { networkPolicy: { externalEgressCIDRs: ['everywhere'] } },
    path: 'spec.networkPolicy.externalEgressCIDRs[0]',
  },
  {
    name: 'volume shrinks',
    old: { database: { storage: { size: '20Gi' } } },
    spec: { database: { storage: { size: '10Gi' } } },
    path: 'spec.database.storage.size',
  },
  {
    name: 'storage class changes',
    old: { database: { storage: { storageClassName: 'fast' } } },
    spec: { database: { storage: { storageClassName: 'slow' } } },
    path: 'spec.database.storage.storageClassName',
  },
  {
    name: 'toleration Exists with a value',
    spec: { app: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } },
    path: 'spec.app.tolerations[0].value',
  },
  {
    name: 'toleration with tolerationSeconds but no NoExecute effect (the Pod API refuses it)',
    spec: { app: { tolerations: [{ key: 'k', operator: 'Exists', tolerationSeconds: 60 }] } },
    path: 'spec.app.tolerations[0].effect',
  },
  {
    name: 'toleration without a key (would tolerate every taint)',
    spec: { cache: { tolerations: [{ operator: 'Exists' }] } },
    path: 'spec.cache.tolerations[0].key',
  },
  {
    name: 'node affinity In without values',
    spec: {
      database: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }],
            },
          },
        },
      },
    },
    path: 'spec.database.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values',
  },
  {
    name: 'topology spread with an unknown whenUnsatisfiable',
    spec: {
      app: {
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'Sometimes' }],
      },
    },
    path: 'spec.app.topologySpreadConstraints[0].whenUnsatisfiable',
  },
  {
    name: 'priorityClassName not a DNS name',
    spec: { migration: { priorityClassName: 'Not_A_Class' } },
    path: 'spec.migration.priorityClassName',
  },
  {
    name: 'image pull secret without a name',
    spec: { imagePullSecrets: [{}] },
    path: 'spec.imagePullSecrets[0].name',
  },
  {
    name: 'nginx snippet annotation on the ingress',
    spec: { ingress: { annotations: { 'nginx.ingress.kubernetes.io/configuration-snippet': 'deny all;' } } },
    path: 'spec.ingress.annotations',
  },
  {
    name: 'inherited label value too long',
    spec: { inheritedMetadata: { labels: { team: 'x'.repeat(64) } } },
    path: 'spec.inheritedMetadata.labels.team',
  },
  {
    name: 'suspend not a boolean',
    spec: { suspend: 'yes' },
    path: 'spec.suspend',
  },
  {
    name: 'database mode changes',
    old: { database: { mode: 'managed' } },
    spec: { database: { mode: 'external', external: { name: 'db' } } },
    path: 'spec.database.mode',
  },
  {
    name: 'Postgres major version changes on a managed database',
    old: { database: { version: '16' } },
    spec: { database: { version: '17' } },
    path: 'spec.database.version',
  },
  // Bad input found by the hardening review (issue 13).
  { name: 'app null', spec: { app: null }, path: 'spec.app', apiServerDefaults: true },
  { name: 'tls null', spec: { ingress: { tls: null } }, path: 'spec.ingress.tls', apiServerDefaults: true },
  {
    name: 'minReplicas null',
    spec: { app: { autoscaling: { enabled: true, minReplicas: null } } },
    path: 'spec.app.autoscaling.minReplicas',
    apiServerDefaults: true,
  },
  { name: 'a field named constructor', spec: { constructor: 'x' }, path: 'spec.constructor' },
  { name: 'a field named toString', spec: { app: { toString: 'x' } }, path: 'spec.app.toString' },
  { name: 'a field named __proto__', spec: protoKey({ host: 'evil.example.com' }), path: 'spec.__proto__' },
  {
    name: 'zero CPU limit',
    spec: { app: { resources: { requests: { cpu: '0' }, limits: { cpu: '0' } } } },
    path: 'spec.app.resources.limits.cpu',
  },
  {
    name: 'sub-unit memory limit',
    spec: { database: { resources: { requests: { memory: '100m' }, limits: { memory: '500m' } } } },
    path: 'spec.database.resources.limits.memory',
  },
  {
    name: 'sub-millicore CPU request',
    spec: { cache: { resources: { requests: { cpu: '0.0001' } } } },
    path: 'spec.cache.resources.requests.cpu',
  },
  {
    name: 'cache maxMemory 0 (unlimited in Redis)',
    spec: { cache: { maxMemory: '0' } },
    path: 'spec.cache.maxMemory',
  },
  {
    name: 'storage size 0',
    spec: { database: { storage: { size: '0' } } },
    path: 'spec.database.storage.size',
  },
  {
    name: 'bodySizeLimit 0 (unlimited in nginx)',
    spec: { ingress: { bodySizeLimit: '0' } },
    path: 'spec.ingress.bodySizeLimit',
  },
  {
    name: 'egress CIDR with an octet above 255',
    spec: { networkPolicy: { externalEgressCIDRs: ['999.0.0.0/8'] } },
    path: 'spec.networkPolicy.externalEgressCIDRs[0]',
  },
  {
    name: 'egress CIDR prefix longer than the address',
    spec: { networkPolicy: { externalEgressCIDRs: ['10.0.0.0/8', '10.0.0.0/33'] } },
    path: 'spec.networkPolicy.externalEgressCIDRs[1]',
  },
  {
    name: 'egress CIDR with host bits set',
    spec: { networkPolicy: { externalEgressCIDRs: ['10.1.2.3/8'] } },
    path: 'spec.networkPolicy.externalEgressCIDRs[0]',
  },
  {
    name: 'egress IPv6 CIDR with two ::',
    spec: { networkPolicy: { externalEgressCIDRs: ['2001::db8::/32'] } },
    path: 'spec.networkPolicy.externalEgressCIDRs[0]',
  },
  {
    name: 'egress port 0',
    spec: { networkPolicy: { externalDatabasePorts: [0] } },
    path: 'spec.networkPolicy.externalDatabasePorts[0]',
  },
  { name: 'an IP address as host', spec: { host: '10.0.0.1' }, path: 'spec.host' },
  {
    name: 'an IP address as CDN origin host',
    spec: { cdn: { originHost: '192.168.1.10' } },
    path: 'spec.cdn.originHost',
  },
  { name: 'a 300 kB host', spec: { host: `${'a'.repeat(300_000)}.example.com` }, path: 'spec.host' },
  {
    name: 'a repeated egress port (list-type set)',
    spec: { networkPolicy: { externalCachePorts: [6379, 6379] } },
    path: 'spec.networkPolicy.externalCachePorts[1]',
  },
  {
    name: 'backup without a schedule',
    spec: { database: { backup: { retention: { count: 3 } } } },
    path: 'spec.database.backup.schedule',
  },
  {
    name: 'backup schedule with minute 61',
    spec: { database: { backup: { schedule: '61 * * * *' } } },
    path: 'spec.database.backup.schedule',
  },
  {
    name: 'backup schedule of four fields',
    spec: { database: { backup: { schedule: '0 3 * *' } } },
    path: 'spec.database.backup.schedule',
  },
  {
    name: 'backup schedule with a TZ prefix',
    spec: { database: { backup: { schedule: 'TZ=Europe/Berlin 0 3 * * *' } } },
    path: 'spec.database.backup.schedule',
  },
  {
    name: 'backup retention count zero',
    spec: { database: { backup: { schedule: '@daily', retention: { count: 0 } } } },
    path: 'spec.database.backup.retention.count',
  },
  {
    name: 'backup maxAge in minutes',
    spec: { database: { backup: { schedule: '@daily', retention: { maxAge: '30m' } } } },
    path: 'spec.database.backup.retention.maxAge',
  },
  {
    name: 'an S3 backup destination without an endpoint',
    spec: {
      database: { backup: { schedule: '@daily', destination: { s3: { ...S3, endpoint: undefined } } } },
    },
    path: 'spec.database.backup.destination.s3.endpoint',
  },
  {
    name: 'an S3 endpoint with a path',
    spec: { database: { backup: s3Backup({ endpoint: 'https://s3.example.com/backups' }) } },
    path: 'spec.database.backup.destination.s3.endpoint',
  },
  {
    name: 'an S3 endpoint of ftp',
    spec: { database: { backup: s3Backup({ endpoint: 'ftp://s3.example.com' }) } },
    path: 'spec.database.backup.destination.s3.endpoint',
  },
  {
    name: 'an S3 bucket with capitals',
    spec: { database: { backup: s3Backup({ bucket: 'My-Backups' }) } },
    path: 'spec.database.backup.destination.s3.bucket',
  },
  {
    name: 'an S3 bucket of two characters',
    spec: { database: { backup: s3Backup({ bucket: 'ab' }) } },
    path: 'spec.database.backup.destination.s3.bucket',
  },
  {
    name: 'an S3 bucket with two dots in a row',
    spec: { database: { backup: s3Backup({ bucket: 'my..backups' }) } },
    path: 'spec.database.backup.destination.s3.bucket',
  },
  {
    name: 'an S3 bucket formatted as an IP address',
    spec: { database: { backup: s3Backup({ bucket: '192.168.5.4' }) } },
    path: 'spec.database.backup.destination.s3.bucket',
  },
  {
    name: 'an S3 prefix without a trailing slash',
    spec: { database: { backup: s3Backup({ prefix: 'shop' }) } },
    path: 'spec.database.backup.destination.s3.prefix',
  },
  {
    name: 'an S3 prefix climbing up',
    spec: { database: { backup: s3Backup({ prefix: '../other/' }) } },
    path: 'spec.database.backup.destination.s3.prefix',
  },
  {
    name: 'an S3 destination without credentials',
    spec: { database: { backup: s3Backup({ credentialsSecret: undefined }) } },
    path: 'spec.database.backup.destination.s3.credentialsSecret',
  },
  {
    name: 'an S3 destination without egress',
    spec: { database: { backup: s3Backup({ egress: undefined }) } },
    path: 'spec.database.backup.destination.s3.egress',
  },
  {
    name: 'an S3 destination with an empty egress',
    spec: { database: { backup: s3Backup({ egress: [] }) } },
    path: 'spec.database.backup.destination.s3.egress',
  },
  {
    name: 'an S3 egress CIDR with host bits set',
    spec: { database: { backup: s3Backup({ egress: [{ cidr: '192.0.2.10/24', ports: [443] }] }) } },
    path: 'spec.database.backup.destination.s3.egress[0].cidr',
  },
  {
    name: 'an S3 egress without ports',
    spec: { database: { backup: s3Backup({ egress: [{ cidr: '192.0.2.10/32', ports: [] }] }) } },
    path: 'spec.database.backup.destination.s3.egress[0].ports',
  },
  {
    name: 'both a pvc and an s3 backup destination',
    spec: { database: { backup: { schedule: '@daily', destination: { pvc: {}, s3: S3 } } } },
    path: 'spec.database.backup.destination',
  },
  {
    name: 'an empty backup destination',
    spec: { database: { backup: { schedule: '@daily', destination: {} } } },
    path: 'spec.database.backup.destination',
  },
  {
    name: 'restore from a claim and a bucket at once',
    spec: { database: { restore: { from: { backup: 'latest', claimName: 'old-backups', s3: S3 } } } },
    path: 'spec.database.restore.from.s3',
  },
  {
    name: 'restore from a bucket with a bad bucket name',
    spec: { database: { restore: { from: { backup: 'latest', s3: { ...S3, bucket: 'a_b' } } } } },
    path: 'spec.database.restore.from.s3.bucket',
  },
  {
    name: 'backup requests above limits',
    spec: {
      database: {
        backup: {
          schedule: '@daily',
          resources: { requests: { memory: '1Gi' }, limits: { memory: '512Mi' } },
        },
      },
    },
    path: 'spec.database.backup.resources.requests.memory',
  },
  {
    name: 'backup of an external database',
    spec: { database: { mode: 'external', external: { name: 'db' }, backup: { schedule: '@daily' } } },
    path: 'spec.database.backup',
  },
  {
    name: 'backups volume shrinking',
    spec: { database: { backup: { schedule: '@daily', destination: { pvc: { size: '5Gi' } } } } },
    old: { database: { backup: { schedule: '@daily', destination: { pvc: { size: '20Gi' } } } } },
    path: 'spec.database.backup.destination.pvc.size',
  },
  {
    name: 'restore of a backup with a bad name',
    spec: { database: { restore: { from: { backup: '../etc' } } } },
    path: 'spec.database.restore.from.backup',
  },
  {
    name: 'restore without from',
    spec: { database: { restore: {} } },
    path: 'spec.database.restore.from',
  },
  {
    name: 'a cloudnativepg backup onto a volume',
    spec: {
      database: { mode: 'cloudnativepg', backup: { schedule: '@daily', retention: { maxAge: '30d' } } },
    },
    path: 'spec.database.backup.destination',
  },
  {
    name: 'a cloudnativepg backup kept for hours',
    spec: { database: { mode: 'cloudnativepg', backup: { ...s3Backup({}), retention: { maxAge: '72h' } } } },
    path: 'spec.database.backup.retention.maxAge',
  },
  {
    name: 'a cloudnativepg backup without maxAge',
    spec: { database: { mode: 'cloudnativepg', backup: s3Backup({}) } },
    path: 'spec.database.backup.retention.maxAge',
  },
  {
    name: 'a cloudnativepg backup in another time zone',
    spec: {
      database: {
        mode: 'cloudnativepg',
        backup: { ...s3Backup({}), timeZone: 'Europe/Berlin', retention: { maxAge: '30d' } },
      },
    },
    path: 'spec.database.backup.timeZone',
  },
  {
    name: 'a cloudnativepg backup on day-of-week 7',
    spec: {
      database: {
        mode: 'cloudnativepg',
        backup: { ...s3Backup({}), schedule: '0 3 * * 1,7', retention: { maxAge: '30d' } },
      },
    },
    path: 'spec.database.backup.schedule',
  },
  {
    name: 'a cloudnativepg backup in another S3 region',
    spec: {
      database: {
        mode: 'cloudnativepg',
        backup: { ...s3Backup({ region: 'eu-west-1' }), retention: { maxAge: '30d' } },
      },
    },
    path: 'spec.database.backup.destination.s3.region',
  },
  {
    name: 'restore into an external database',
    spec: {
      database: { mode: 'external', external: { name: 'db' }, restore: { from: { backup: 'latest' } } },
    },
    path: 'spec.database.restore',
  },
  {
    name: 'restore of a Barman backup ID (no Z) into a managed database',
    spec: { database: { restore: { from: { backup: '20261201T031500' } } } },
    path: 'spec.database.restore.from.backup',
  },
  {
    name: 'restore.from.storefront in a managed database',
    spec: { database: { restore: { from: { backup: 'latest', storefront: 'old-shop' } } } },
    path: 'spec.database.restore.from.storefront',
  },
  {
    name: 'a cloudnativepg restore without a bucket',
    spec: { database: { mode: 'cloudnativepg', restore: { from: { backup: 'latest' } } } },
    path: 'spec.database.restore.from.s3',
  },
  {
    name: 'a cloudnativepg restore from a backups volume',
    spec: {
      database: { mode: 'cloudnativepg', restore: { from: { backup: 'latest', claimName: 'old-backups' } } },
    },
    path: 'spec.database.restore.from.claimName',
  },
  {
    name: 'a cloudnativepg restore of a backup name with a Z',
    spec: { database: { mode: 'cloudnativepg', restore: { from: { backup: '20261201T031500Z', s3: S3 } } } },
    path: 'spec.database.restore.from.backup',
  },
  {
    name: 'a cloudnativepg restore from another S3 region',
    spec: {
      database: {
        mode: 'cloudnativepg',
        restore: { from: { backup: 'latest', s3: { ...S3, region: 'eu-west-1' } } },
      },
    },
    path: 'spec.database.restore.from.s3.region',
  },
  {
    name: 'a cloudnativepg restore from where its own backups will be archived',
    spec: {
      database: {
        mode: 'cloudnativepg',
        backup: { ...s3Backup({}), retention: { maxAge: '30d' } },
        restore: { from: { backup: 'latest' } },
      },
    },
    path: 'spec.database.backup.destination.s3.prefix',
  },
  {
    name: 'a cloudnativepg restore added to an existing Storefront',
    spec: { database: { mode: 'cloudnativepg', restore: { from: { backup: 'latest', s3: S3 } } } },
    old: { database: { mode: 'cloudnativepg' } },
    path: 'spec.database.restore',
  },
  {
    name: 'a restore.from.storefront that is no Storefront name',
    spec: {
      database: {
        mode: 'cloudnativepg',
        restore: { from: { backup: 'latest', s3: S3, storefront: 'Old_Shop' } },
      },
    },
    path: 'spec.database.restore.from.storefront',
  },
  {
    name: 'restore added to an existing Storefront',
    spec: { database: { restore: { from: { backup: 'latest' } } } },
    old: {},
    path: 'spec.database.restore',
  },
  {
    name: 'restore source changed',
    spec: { database: { restore: { from: { backup: '20261201T031500Z' } } } },
    old: { database: { restore: { from: { backup: 'latest' } } } },
    path: 'spec.database.restore',
  },
  {
    name: 'restore bucket changed',
    spec: { database: { restore: { from: { backup: 'latest', s3: { ...S3, bucket: 'other-bucket' } } } } },
    old: { database: { restore: { from: { backup: 'latest', s3: S3 } } } },
    path: 'spec.database.restore',
  },
];

/** A name the API server and the CLI must both refuse (too long for the child objects' names). */
export const tooLongName = 'a-storefront-name-that-is-far-too-long-for-us';
