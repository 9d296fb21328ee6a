// The Storefront API, storefront.dev/v1alpha1: the single definition of its fields, defaults and
// rules. Types (types.ts), the CRD (crd.ts), CLI validation (validate.ts) and the spec reference
// in the README are all generated from this file.

import { isIPv4, isIPv6 } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { backupSchemas } from './backup-schema.ts';
import { isCanonicalCidr } from './cidr.ts';
import { CLOUDNATIVE_PG_BACKUP_RULES } from './cloudnativepg-backup-rules.ts';
import { RESTORE_RULES } from './cloudnativepg-restore-rules.ts';
import { QUANTITY_PATTERN } from './openapi.ts';
import { compareQuantities } from './quantity.ts';
import { labelMap, schedulingFields } from './scheduling-schema.ts';
import {
  arr,
  bool,
  defaulted,
  int,
  map,
  obj,
  oneOf,
  optional,
  type Rule,
  required,
  type StringSchema,
  str,
} from './schema.ts';
import { RESERVED_ENV } from './shop-env.ts';

export const GROUP = 'storefront.dev';
export const VERSION = 'v1alpha1';
export const KIND = 'Storefront';
export const PLURAL = 'storefronts';

/** The shop image this release of Storefront ships (bundled reference app). */
export const DEFAULT_APP_IMAGE = 'ghcr.io/storefront-dev/storefront-shop:0.1.0';
export const DEFAULT_REDIS_IMAGE = 'docker.io/library/redis:8.2.2-bookworm';
export const POSTGRES_VERSIONS = ['15', '16', '17', '18'] as const;
export const DEFAULT_POSTGRES_VERSION = '17';
/** The nginx body-size limit when ingress.bodySizeLimit is unset. */
export const DEFAULT_BODY_SIZE_LIMIT = '1m';
/**
 * What the API server stored in ingress.rateLimit of every Storefront until it stopped defaulting
 * the field (2d1a0dd), gatewayAPI ones included; the rules below still accept it, unchanged, on
 * those objects' edits.
 */
export const FORMER_RATE_LIMIT_DEFAULTS = {
  requestsPerSecond: 20,
  burstMultiplier: 5,
  connections: 0,
} as const;

const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/**
 * Egress of external mode when externalEgressCIDRs is not set: anywhere except link-local
 * addresses, where clouds serve instance metadata and credentials (169.254.169.254,
 * fd00:ec2::254 on AWS' IPv6).
 */
export const DEFAULT_EXTERNAL_EGRESS = [
  { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] },
  { cidr: '::/0', except: ['fe80::/10', 'fd00:ec2::254/128'] },
] as const;
// registry[:port]/path[:tag][@sha256:digest] — the shape of distribution's reference grammar.
const IMAGE_REFERENCE =
  '^([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$';
const ENV_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';

export { RESERVED_ENV };

/**
 * A Kubernetes quantity of at least `min`: zero and sub-unit values ("0", "0.5" bytes, "100m" of
 * memory) are refused, since the container runtime, Redis (maxmemory 0 = unlimited) or the volume
 * would take them to mean something else entirely.
 */
const quantity = (description: string, min: string): StringSchema => ({
  ...str({
    description: `${description} At least ${min}.`,
    pattern: QUANTITY_PATTERN,
    maxLength: 32,
    quantity: true,
    patternDescription: 'a quantity',
  }),
  rules: [
    {
      cel: `quantity(string(self)).compareTo(quantity('${min}')) >= 0`,
      message: `must be at least ${min}`,
      check: (s) => compareQuantities(s, min) >= 0,
    },
  ],
});
const cpu = (description: string) => quantity(description, '1m');
const bytes = (description: string) => quantity(description, '1Mi');

/** A DNS name the front door can route; an IP address is not a host name (Ingress refuses it too). */
const dnsName = (description: string, extra: Partial<StringSchema> = {}): StringSchema => ({
  ...str({ description, pattern: DNS_SUBDOMAIN, maxLength: 253, ...extra }),
  rules: [
    {
      cel: '!isIP(self)',
      message: 'must be a DNS name, not an IP address',
      // Every IPv6 address has a colon: a host name without one skips the IPv6 pattern, whose
      // first use costs milliseconds of a CLI run.
      check: (s) => !(s.includes(':') ? isIPv6(s) : isIPv4(s)),
    },
  ],
});

const image = (description: string) => str({ description, pattern: IMAGE_REFERENCE, maxLength: 512 });

const secretName = (description: string) => str({ description, pattern: DNS_SUBDOMAIN, maxLength: 253 });
const secretKey = (description: string) => str({ description, pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253 });

const lte = (field: 'cpu' | 'memory'): Rule => ({
  cel: `quantity(string(self.requests.${field})).compareTo(quantity(string(self.limits.${field}))) <= 0`,
  message: `requests.${field} must be less than or equal to limits.${field}`,
  fieldPath: `.requests.${field}`,
  check: (s) => compareQuantities(s.requests[field], s.limits[field]) <= 0,
});

/** Requests and limits, both always set (Pod Security and quota-friendly clusters need both). */
const resources = (what: string, d: { cpu: string; memory: string; cpuLimit: string; memoryLimit: string }) =>
  obj(
    {
      requests: defaulted(
        obj(
          {
            cpu: defaulted(cpu(`CPU the ${what} is guaranteed.`), d.cpu),
            memory: defaulted(bytes(`Memory the ${what} is guaranteed.`), d.memory),
          },
          { description: `Resource requests of the ${what}.` },
        ),
      ),
      limits: defaulted(
        obj(
          {
            cpu: defaulted(cpu(`CPU limit of the ${what}.`), d.cpuLimit),
            memory: defaulted(
              bytes(`Memory limit of the ${what}; the container is OOM-killed above it.`),
              d.memoryLimit,
            ),
          },
          { description: `Resource limits of the ${what}.` },
        ),
      ),
    },
    { description: `Compute resources of the ${what} container.`, rules: [lte('cpu'), lte('memory')] },
  );

/** Annotations a user adds to an object; the renderer's own keys win over them. */
const annotations = (description: string, rules: Rule[] = []) =>
  map(str({ description: 'Annotation value.', maxLength: 4096 }), { description, maxProperties: 32, rules });

const secretRef = (what: string, defaultKey: string) =>
  obj(
    {
      name: required(secretName(`Name of a Secret in the Storefront's namespace that holds the ${what}.`)),
      key: defaulted(secretKey(`Key in that Secret whose value is the ${what}.`), defaultKey),
    },
    { description: `Where the ${what} comes from.` },
  );

const envVar = obj(
  {
    name: required(str({ description: 'Variable name.', pattern: ENV_NAME, maxLength: 128 })),
    value: optional(str({ description: 'Literal value.', maxLength: 4096 })),
    secretKeyRef: optional(
      obj(
        {
          name: required(secretName('Secret name.')),
          key: required(secretKey('Key in the Secret.')),
        },
        { description: 'Take the value from a key of a Secret in the same namespace.' },
      ),
    ),
  },
  {
    description: 'An extra environment variable for the app container.',
    rules: [
      {
        cel: `!(self.name in [${RESERVED_ENV.map((e) => `'${e}'`).join(', ')}])`,
        message: `is set by Storefront and cannot be overridden (reserved: ${RESERVED_ENV.join(', ')})`,
        fieldPath: '.name',
        check: (s) => !(RESERVED_ENV as readonly string[]).includes(s.name),
      },
      {
        cel: '!(has(self.value) && has(self.secretKeyRef))',
        message: 'set either value or secretKeyRef, not both',
        fieldPath: '.secretKeyRef',
        check: (s) => !(s.value !== undefined && s.secretKeyRef !== undefined),
      },
    ],
  },
);

const autoscaling = obj(
  {
    enabled: defaulted(
      bool({ description: 'Render a HorizontalPodAutoscaler (autoscaling/v2) for the app.' }),
      false,
    ),
    minReplicas: defaulted(
      int({ description: 'Lower bound of app replicas.', minimum: 1, maximum: 1000 }),
      2,
    ),
    maxReplicas: defaulted(
      int({ description: 'Upper bound of app replicas.', minimum: 1, maximum: 1000 }),
      10,
    ),
    targetCPUUtilizationPercentage: defaulted(
      int({
        description: 'Average CPU utilisation (percent of requests) the autoscaler aims for.',
        minimum: 1,
        maximum: 100,
      }),
      70,
    ),
  },
  {
    description: 'Horizontal autoscaling of the app servers.',
    rules: [
      {
        cel: 'self.minReplicas <= self.maxReplicas',
        message: 'minReplicas must be less than or equal to maxReplicas',
        fieldPath: '.minReplicas',
        check: (s) => s.minReplicas <= s.maxReplicas,
      },
    ],
  },
);

const app = obj(
  {
    image: defaulted(
      image("Image of the app servers; any image that honours the shop's environment contract."),
      DEFAULT_APP_IMAGE,
    ),
    imagePullPolicy: defaulted(
      oneOf(['Always', 'IfNotPresent', 'Never'], { description: 'When the kubelet pulls the image.' }),
      'IfNotPresent',
    ),
    replicas: defaulted(
      int({
        description: 'App replicas when autoscaling is off (a PodDisruptionBudget is added above 1).',
        minimum: 1,
        maximum: 100,
      }),
      2,
    ),
    autoscaling: defaulted(autoscaling),
    resources: defaulted(
      resources('app', { cpu: '100m', memory: '128Mi', cpuLimit: '1', memoryLimit: '512Mi' }),
    ),
    env: optional(
      arr(envVar, {
        description: 'Extra environment variables.',
        maxItems: 64,
        listType: 'map',
        listMapKeys: ['name'],
      }),
    ),
    adminTokenSecret: optional(secretRef('shop admin API token', 'token')),
    demoCatalog: defaulted(
      bool({
        description:
          'Seed the bundled demo catalog at start-up when the catalog is empty (once, under the migration lock; never over real products).',
      }),
      false,
    ),
    serviceAnnotations: optional(
      annotations('Extra annotations on the app Service (e.g. for a cloud load balancer or external-dns).'),
    ),
    ...schedulingFields('app'),
  },
  { description: 'The application servers (the bundled reference shop by default).' },
);

const issuerRef = obj(
  {
    name: required(str({ description: 'Issuer name.', pattern: DNS_SUBDOMAIN, maxLength: 253 })),
    kind: defaulted(oneOf(['ClusterIssuer', 'Issuer'], { description: 'Issuer kind.' }), 'ClusterIssuer'),
  },
  { description: 'The cert-manager issuer that signs the certificate.' },
);

const tls = obj(
  {
    mode: defaulted(
      oneOf(['certManager', 'selfSigned', 'secret', 'none'], {
        description:
          'certManager: a cert-manager Certificate signed by issuerRef; selfSigned: the operator issues a CA and a 90-day leaf; secret: a kubernetes.io/tls Secret you provide; none: plain HTTP.',
      }),
      'selfSigned',
    ),
    secretName: optional(
      secretName(
        'The kubernetes.io/tls Secret (mode secret: yours, required; other modes: defaults to <name>-tls).',
      ),
    ),
    issuerRef: optional(issuerRef),
  },
  {
    description: 'TLS for the shop host.',
    rules: [
      {
        cel: "self.mode != 'secret' || has(self.secretName)",
        message: "tls mode 'secret' needs secretName (a kubernetes.io/tls Secret in the same namespace)",
        fieldPath: '.secretName',
        check: (s) => s.mode !== 'secret' || s.secretName !== undefined,
      },
      {
        cel: "self.mode != 'certManager' || has(self.issuerRef)",
        message: "tls mode 'certManager' needs issuerRef (the cert-manager Issuer or ClusterIssuer to use)",
        fieldPath: '.issuerRef',
        check: (s) => s.mode !== 'certManager' || s.issuerRef !== undefined,
      },
    ],
  },
);

export const rateLimit = obj(
  {
    requestsPerSecond: defaulted(
      int({
        description: 'Requests per second per client IP (0 turns rate limiting off); excess gets 429.',
        minimum: 0,
        maximum: 100000,
      }),
      20,
    ),
    burstMultiplier: defaulted(
      int({ description: 'Burst allowed above the rate, as a multiple of it.', minimum: 1, maximum: 100 }),
      5,
    ),
    connections: defaulted(
      int({
        description: 'Concurrent connections per client IP (0 = unlimited).',
        minimum: 0,
        maximum: 100000,
      }),
      0,
    ),
  },
  {
    description:
      "Per-client rate limits at the front door (provider nginx; unset: each field's default). Refused with provider gatewayAPI: an HTTPRoute has no rate-limit field.",
  },
);

const parentRef = obj(
  {
    name: required(str({ description: 'Gateway name.', pattern: DNS_SUBDOMAIN, maxLength: 253 })),
    namespace: optional(
      str({
        description: "Gateway namespace (default: the Storefront's).",
        pattern: DNS_LABEL,
        maxLength: 63,
      }),
    ),
    sectionName: optional(
      str({
        description:
          'Listener the shop route attaches to (the HTTPS one when TLS is on; unset: the Gateway picks by hostname, and with TLS on the route attaches by port 443).',
        pattern: DNS_LABEL,
        maxLength: 63,
      }),
    ),
    redirectSectionName: optional(
      str({
        description:
          'With TLS on: the plain-HTTP listener where the redirect HTTPRoute (301 to https) attaches (unset: by port 80).',
        pattern: DNS_LABEL,
        maxLength: 63,
      }),
    ),
  },
  { description: 'A Gateway the HTTPRoute attaches to.' },
);

const ingress = obj(
  {
    provider: defaulted(
      oneOf(['nginx', 'gatewayAPI'], {
        description:
          'nginx: an Ingress for ingress-nginx; gatewayAPI: an HTTPRoute attached to gateway.parentRefs.',
      }),
      'nginx',
    ),
    className: defaulted(
      str({ description: 'IngressClass name (provider nginx).', pattern: DNS_SUBDOMAIN, maxLength: 253 }),
      'nginx',
    ),
    tls: defaulted(tls),
    hsts: defaulted(
      obj(
        {
          enabled: defaulted(
            bool({ description: 'Send Strict-Transport-Security (only when TLS is on).' }),
            true,
          ),
          maxAgeSeconds: defaulted(
            int({ description: 'HSTS max-age.', minimum: 0, maximum: 63072000 }),
            31536000,
          ),
          includeSubdomains: defaulted(bool({ description: 'HSTS includeSubDomains.' }), false),
        },
        { description: 'HTTP Strict Transport Security.' },
      ),
    ),
    // Not defaulted by the API server: a default would make every gatewayAPI spec carry a value
    // its HTTPRoute cannot enforce; provider nginx renders DEFAULT_BODY_SIZE_LIMIT / the field
    // defaults when they are unset (render/front-door.ts).
    rateLimit: optional(rateLimit),
    bodySizeLimit: optional(
      str({
        description: `Largest request body accepted by the front door (provider nginx; nginx size: 1m, 512k; unset: ${DEFAULT_BODY_SIZE_LIMIT}); 0 (nginx: no limit) is refused. Refused with provider gatewayAPI: an HTTPRoute has no body-size field.`,
        pattern: '^[1-9][0-9]*[kKmMgG]?$',
        maxLength: 16,
      }),
    ),
    waf: defaulted(
      obj(
        {
          enabled: defaulted(
            bool({
              description:
                "Enable ModSecurity with the OWASP Core Rule Set (provider nginx). It only DETECTS and logs: ingress-nginx runs ModSecurity in its default SecRuleEngine DetectionOnly, and switching it to blocking needs a snippet annotation, which Storefront never renders; to block, set SecRuleEngine On in the ingress controller's ConfigMap (modsecurity-snippet), a cluster-admin decision.",
            }),
            false,
          ),
        },
        { description: 'Web application firewall.' },
      ),
    ),
    annotations: optional(
      annotations(
        'Extra annotations on the Ingress or HTTPRoute (e.g. external-dns); never nginx snippets.',
        [
          {
            cel: "self.all(k, !k.contains('snippet'))",
            message: 'snippet annotations are refused (they run arbitrary nginx configuration)',
            check: (s: Record<string, string>) => Object.keys(s).every((k) => !k.includes('snippet')),
          },
        ],
      ),
    ),
    gateway: optional(
      obj(
        {
          parentRefs: required(
            arr(parentRef, { description: 'Gateways to attach to.', minItems: 1, maxItems: 8 }),
          ),
        },
        { description: 'Gateway API settings (provider gatewayAPI).' },
      ),
    ),
  },
  {
    description: 'The front door: load balancer and web server.',
    rules: [
      {
        cel: "self.provider != 'gatewayAPI' || has(self.gateway)",
        message: "provider 'gatewayAPI' needs gateway.parentRefs (the Gateway to attach the HTTPRoute to)",
        fieldPath: '.gateway',
        check: (s) => s.provider !== 'gatewayAPI' || s.gateway !== undefined,
      },
      {
        // optionalOldSelf: a gatewayAPI Storefront stored while the API server still defaulted
        // rateLimit carries those defaults without anyone having set them; they are kept (and,
        // as ever, not enforced) on its later edits, while any other value is refused.
        cel: `self.provider == 'nginx' || !has(self.rateLimit) || (oldSelf.hasValue() && oldSelf.value().provider == 'gatewayAPI' && has(oldSelf.value().rateLimit) && self.rateLimit == oldSelf.value().rateLimit && self.rateLimit.requestsPerSecond == ${FORMER_RATE_LIMIT_DEFAULTS.requestsPerSecond} && self.rateLimit.burstMultiplier == ${FORMER_RATE_LIMIT_DEFAULTS.burstMultiplier} && self.rateLimit.connections == ${FORMER_RATE_LIMIT_DEFAULTS.connections})`,
        message:
          "rateLimit needs provider 'nginx': an HTTPRoute cannot enforce a rate limit (remove it and set one on the Gateway's implementation)",
        fieldPath: '.rateLimit',
        optionalOldSelf: true,
        check: (s, o) =>
          s.provider === 'nginx' ||
          s.rateLimit === undefined ||
          (o?.provider === 'gatewayAPI' &&
            o.rateLimit !== undefined &&
            isDeepStrictEqual(s.rateLimit, o.rateLimit) &&
            isDeepStrictEqual(s.rateLimit, FORMER_RATE_LIMIT_DEFAULTS)),
      },
      {
        cel: `self.provider == 'nginx' || !has(self.bodySizeLimit) || (oldSelf.hasValue() && oldSelf.value().provider == 'gatewayAPI' && has(oldSelf.value().bodySizeLimit) && oldSelf.value().bodySizeLimit == '${DEFAULT_BODY_SIZE_LIMIT}' && self.bodySizeLimit == '${DEFAULT_BODY_SIZE_LIMIT}')`,
        message:
          "bodySizeLimit needs provider 'nginx': an HTTPRoute cannot enforce a body-size limit (remove it and set one on the Gateway's implementation)",
        fieldPath: '.bodySizeLimit',
        optionalOldSelf: true,
        check: (s, o) =>
          s.provider === 'nginx' ||
          s.bodySizeLimit === undefined ||
          (o?.provider === 'gatewayAPI' &&
            o.bodySizeLimit === DEFAULT_BODY_SIZE_LIMIT &&
            s.bodySizeLimit === DEFAULT_BODY_SIZE_LIMIT),
      },
      {
        cel: "self.provider == 'nginx' || !self.waf.enabled",
        message: "the WAF (ModSecurity + OWASP CRS) needs provider 'nginx'",
        fieldPath: '.waf.enabled',
        check: (s) => s.provider === 'nginx' || !s.waf.enabled,
      },
    ],
  },
);

const cdn = obj(
  {
    assetBaseUrl: optional(
      str({
        description:
          "Public base URL of a CDN in front of the shop's /static path; pages reference assets through it.",
        // The last DNS label starts with a letter: a URL parser reads `a.0` as a (bad) IPv4 address.
        pattern:
          '^https://([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)*[a-z]([-a-z0-9]*[a-z0-9])?(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?$',
        maxLength: 512,
      }),
    ),
    originHost: optional(dnsName('Extra host the CDN pulls /static from (added to the front door).')),
    staticMaxAgeSeconds: defaulted(
      int({
        description: 'Cache lifetime of fingerprinted static assets (sent as immutable).',
        minimum: 0,
        maximum: 31536000,
      }),
      31536000,
    ),
  },
  { description: 'CDN: fingerprinted static assets, long-lived caching, optional asset host.' },
);

const storage = obj(
  {
    size: defaulted(
      {
        ...bytes('Size of the data volume; it may grow, never shrink.'),
        rules: [
          ...(bytes('').rules ?? []),
          {
            cel: 'quantity(string(self)).compareTo(quantity(string(oldSelf))) >= 0',
            message: 'the volume cannot shrink (it may only grow)',
            transition: true,
            check: (s, o) => compareQuantities(s, o) >= 0,
          },
        ],
      },
      '10Gi',
    ),
    storageClassName: optional(
      str({
        description: 'StorageClass of the volume (default: the cluster default); fixed once set.',
        pattern: DNS_SUBDOMAIN,
        maxLength: 253,
      }),
    ),
  },
  {
    description: 'The database volume.',
    rules: [
      {
        cel: 'has(self.storageClassName) == has(oldSelf.storageClassName) && (!has(self.storageClassName) || self.storageClassName == oldSelf.storageClassName)',
        message: 'storageClassName cannot change once the volume exists',
        fieldPath: '.storageClassName',
        transition: true,
        check: (s, o) => s.storageClassName === o.storageClassName,
      },
    ],
  },
);

const { backup, restore, backupResources } = backupSchemas({ bytes, cpu });
/** The backup container's resources schema (its defaults size the restore Job when no backup is set). */
export const backupResourcesSchema = backupResources;

const database = obj(
  {
    mode: defaulted(
      oneOf(['managed', 'external', 'cloudnativepg'], {
        description:
          'managed: a Postgres StatefulSet with a volume; external: your Postgres, URL from external; cloudnativepg: a CloudNativePG Cluster (needs its CRD).',
      }),
      'managed',
    ),
    version: defaulted(
      oneOf(POSTGRES_VERSIONS, { description: 'Postgres major version (managed, cloudnativepg).' }),
      DEFAULT_POSTGRES_VERSION,
    ),
    image: optional(image('Postgres image (default: the official image for version).')),
    instances: defaulted(
      int({
        description: 'Postgres instances (cloudnativepg only; managed is a single instance).',
        minimum: 1,
        maximum: 9,
      }),
      1,
    ),
    storage: defaulted(storage),
    resources: defaulted(
      resources('database', { cpu: '250m', memory: '256Mi', cpuLimit: '2', memoryLimit: '1Gi' }),
    ),
    external: optional(secretRef('Postgres connection URL (postgres://user:password@host:5432/db)', 'url')),
    backup: optional(backup),
    restore: optional(restore),
    ...schedulingFields('database'),
  },
  {
    description: 'The database server.',
    rules: [
      {
        cel: "self.mode != 'external' || !has(self.backup)",
        message:
          "backup needs mode 'managed' or 'cloudnativepg' (an external database is backed up by its provider)",
        fieldPath: '.backup',
        check: (s) => s.mode !== 'external' || s.backup === undefined,
      },
      ...CLOUDNATIVE_PG_BACKUP_RULES,
      ...RESTORE_RULES,
      {
        // A restore runs once, into the empty database of a new Storefront: adding one later (or
        // pointing it elsewhere) would not restore anything; it may be removed once done. In mode
        // cloudnativepg too: CloudNativePG reads bootstrap.recovery only when it creates the
        // Cluster, so on a running one it would restore nothing (and never touches its data).
        cel: '!has(self.restore) || (has(oldSelf.restore) && self.restore == oldSelf.restore)',
        message:
          'restore can only be set when the Storefront is created (it restores into its new, empty database) and cannot change; remove it once restored, or use `storefront restore` on a new Storefront',
        fieldPath: '.restore',
        transition: true,
        check: (s, o) =>
          s.restore === undefined || (o.restore !== undefined && isDeepStrictEqual(s.restore, o.restore)),
      },
      {
        cel: "self.mode != 'external' || has(self.external)",
        message: "mode 'external' needs external.name (a Secret holding the connection URL)",
        fieldPath: '.external',
        check: (s) => s.mode !== 'external' || s.external !== undefined,
      },
      {
        cel: 'self.mode == oldSelf.mode',
        message: 'database mode cannot change once set (move the data, then create a new Storefront)',
        fieldPath: '.mode',
        transition: true,
        check: (s, o) => s.mode === o.mode,
      },
      {
        // A new major version cannot start on the old one's data directory: Postgres would
        // crash-loop. Until an upgrade path exists, the change is refused (README: Upgrading Postgres).
        cel: "self.mode != 'managed' || oldSelf.mode != 'managed' || self.version == oldSelf.version",
        message:
          'the Postgres major version of a managed database cannot change in place (the new version cannot read the old data directory); see "Upgrading Postgres" in the README',
        fieldPath: '.version',
        transition: true,
        check: (s, o) => s.mode !== 'managed' || o.mode !== 'managed' || s.version === o.version,
      },
    ],
  },
);

const cache = obj(
  {
    mode: defaulted(
      oneOf(['managed', 'external', 'disabled'], {
        description:
          'managed: a Redis Deployment; external: your Redis, URL from external; disabled: the shop runs uncached.',
      }),
      'managed',
    ),
    image: defaulted(image('Redis image (managed).'), DEFAULT_REDIS_IMAGE),
    maxMemory: defaulted(
      bytes(
        'Redis maxmemory (evicting cache entries only, volatile-lru: carts are never evicted); keep it below limits.memory. "0" (unlimited in Redis) is refused.',
      ),
      '256Mi',
    ),
    resources: defaulted(
      resources('cache', { cpu: '50m', memory: '64Mi', cpuLimit: '500m', memoryLimit: '384Mi' }),
    ),
    external: optional(secretRef('Redis URL (redis://:password@host:6379/0)', 'url')),
    ...schedulingFields('cache'),
  },
  {
    description: 'The cache server.',
    rules: [
      {
        cel: "self.mode != 'external' || has(self.external)",
        message: "mode 'external' needs external.name (a Secret holding the Redis URL)",
        fieldPath: '.external',
        check: (s) => s.mode !== 'external' || s.external !== undefined,
      },
      {
        cel: 'quantity(string(self.maxMemory)).compareTo(quantity(string(self.resources.limits.memory))) < 0',
        message: 'maxMemory must be below resources.limits.memory (Redis needs headroom over its data)',
        fieldPath: '.maxMemory',
        check: (s) => compareQuantities(s.maxMemory, s.resources.limits.memory) < 0,
      },
    ],
  },
);

const networkPolicy = obj(
  {
    enabled: defaulted(
      bool({ description: 'Render default-deny NetworkPolicies plus the explicit allows.' }),
      true,
    ),
    ingressControllerNamespace: defaulted(
      str({
        description: 'Namespace of the ingress controller (or Gateway) pods allowed to reach the app.',
        pattern: DNS_LABEL,
        maxLength: 63,
      }),
      'ingress-nginx',
    ),
    dnsNamespace: defaulted(
      str({ description: 'Namespace of the cluster DNS pods.', pattern: DNS_LABEL, maxLength: 63 }),
      'kube-system',
    ),
    monitoringNamespace: optional(
      str({
        description:
          "Namespace whose pods (e.g. Prometheus) may scrape the app's metrics port (9090: /metrics, /readyz); unset: no one. The Ingress never routes that port.",
        pattern: DNS_LABEL,
        maxLength: 63,
      }),
    ),
    externalEgressCIDRs: optional(
      arr(
        {
          ...str({
            description: 'An IPv4 or IPv6 CIDR in canonical form (no host bits set), e.g. 10.0.0.0/8.',
            pattern: '^[0-9a-fA-F.:]+/[0-9]{1,3}$',
            maxLength: 64,
          }),
          rules: [
            {
              cel: 'isCIDR(self) && cidr(self).masked() == cidr(self)',
              message: 'must be a CIDR with no host bits set, e.g. 10.0.0.0/8 or 2001:db8::/32',
              check: (s: string) => isCanonicalCidr(s),
            },
          ],
        },
        {
          description: `Where external databases/caches live (egress to these addresses, on externalDatabasePorts/externalCachePorts only); default ${DEFAULT_EXTERNAL_EGRESS.map((e) => `${e.cidr} except ${e.except.join(', ')}`).join('; ')} (link-local and cloud metadata addresses stay unreachable).`,
          maxItems: 32,
        },
      ),
    ),
    externalDatabasePorts: defaulted(
      arr(int({ description: 'A TCP port.', minimum: 1, maximum: 65535 }), {
        description:
          'TCP ports the app and the migration may reach an external database on (database mode external).',
        minItems: 1,
        maxItems: 8,
        listType: 'set',
      }),
      [5432],
    ),
    externalCachePorts: defaulted(
      arr(int({ description: 'A TCP port.', minimum: 1, maximum: 65535 }), {
        description:
          'TCP ports the app may reach an external Redis on (cache mode external; 6380 is the usual TLS port).',
        minItems: 1,
        maxItems: 8,
        listType: 'set',
      }),
      [6379, 6380],
    ),
  },
  { description: "Network isolation of the Storefront's pods." },
);

/** monitoring.podMonitor / monitoring.serviceMonitor: the same three settings, one Prometheus Operator kind each. */
const monitor = (kind: 'PodMonitor' | 'ServiceMonitor', what: string, selector: string) =>
  defaulted(
    obj(
      {
        enabled: defaulted(
          bool({
            description: `Render a Prometheus Operator ${kind} for ${what}. Needs the monitoring.coreos.com/v1 ${kind} API (condition MonitoringReady reason MissingAPI otherwise) and, with networkPolicy enabled, networkPolicy.monitoringNamespace.`,
          }),
          false,
        ),
        interval: defaulted(
          str({
            description: 'How often Prometheus scrapes the shop (s, m or h).',
            pattern: '^[1-9][0-9]*(s|m|h)$',
            maxLength: 16,
          }),
          '30s',
        ),
        labels: optional(
          labelMap(
            `Extra labels on the ${kind}, for a Prometheus whose ${selector} needs them (e.g. release: kube-prometheus-stack).`,
          ),
        ),
      },
      { description: `A ${kind} for the shop's metrics (Prometheus Operator).` },
    ),
  );

const monitoring = obj(
  {
    podMonitor: monitor('PodMonitor', "the app pods' metrics port (9090, /metrics)", 'podMonitorSelector'),
    serviceMonitor: monitor(
      'ServiceMonitor',
      "the metrics port of the Service <name>-app-metrics (rendered with it: the app pods' port 9090, /metrics; the app Service never exposes it)",
      'serviceMonitorSelector',
    ),
  },
  { description: 'Metrics collection for the shop.' },
);

export const specSchema = obj(
  {
    host: required(dnsName('Public DNS name of the shop (no wildcard, no IP address).', { minLength: 1 })),
    app: defaulted(app),
    ingress: defaulted(ingress),
    cdn: defaulted(cdn),
    database: defaulted(database),
    cache: defaulted(cache),
    networkPolicy: defaulted(networkPolicy),
    monitoring: defaulted(monitoring),
    migration: optional(
      obj(schedulingFields('migration'), { description: 'Where the migration Job pods run.' }),
    ),
    imagePullSecrets: optional(
      arr(
        obj(
          {
            name: required(
              secretName('A Secret of type kubernetes.io/dockerconfigjson in the same namespace.'),
            ),
          },
          { description: 'An image pull Secret.' },
        ),
        {
          description: 'Secrets every pod of the Storefront pulls its images with.',
          maxItems: 8,
          listType: 'map',
          listMapKeys: ['name'],
        },
      ),
    ),
    inheritedMetadata: optional(
      obj(
        {
          labels: optional(labelMap('Labels copied to every child object (ours win on a clash).')),
          annotations: optional(
            annotations('Annotations copied to every child object (ours win on a clash).'),
          ),
        },
        {
          description:
            'Labels and annotations copied to every object the Storefront renders (cost centres, owners).',
        },
      ),
    ),
    suspend: defaulted(
      bool({
        description:
          'Stop reconciling (maintenance): the operator applies, corrects and prunes nothing until it is false again, and says so in status (condition Suspended). Deletion still runs.',
      }),
      false,
    ),
    deletionPolicy: defaulted(
      oneOf(['Retain', 'Delete'], {
        description:
          'Retain: the database volume and credentials outlive the Storefront; Delete: removed with it.',
      }),
      'Retain',
    ),
  },
  {
    description: 'The desired e-commerce stack.',
    rules: [
      {
        cel: '(!self.monitoring.podMonitor.enabled && !self.monitoring.serviceMonitor.enabled) || !self.networkPolicy.enabled || has(self.networkPolicy.monitoringNamespace)',
        message:
          'monitoring.podMonitor and monitoring.serviceMonitor need networkPolicy.monitoringNamespace (the namespace Prometheus runs in): the default-deny NetworkPolicy would drop their scrapes',
        fieldPath: '.networkPolicy.monitoringNamespace',
        check: (s) =>
          (!s.monitoring.podMonitor.enabled && !s.monitoring.serviceMonitor.enabled) ||
          !s.networkPolicy.enabled ||
          s.networkPolicy.monitoringNamespace !== undefined,
      },
    ],
  },
);

const condition = obj(
  {
    type: required(str({ description: 'Condition type.', maxLength: 316 })),
    status: required(oneOf(['True', 'False', 'Unknown'], { description: 'Condition status.' })),
    observedGeneration: optional(
      int({ description: 'Generation the condition was computed for.', minimum: 0, format: 'int64' }),
    ),
    lastTransitionTime: required(str({ description: 'When the status last changed.', format: 'date-time' })),
    reason: required(str({ description: 'CamelCase reason.', maxLength: 1024 })),
    message: required(str({ description: 'Human message.', maxLength: 32768 })),
  },
  { description: 'A standard Kubernetes condition.' },
);

export const statusSchema = obj(
  {
    observedGeneration: optional(
      int({ description: 'The generation last reconciled.', minimum: 0, format: 'int64' }),
    ),
    url: optional(str({ description: 'Where the shop is served.' })),
    replicas: optional(
      int({
        description: 'App Pods that exist (the scale subresource and HorizontalPodAutoscalers read it).',
        minimum: 0,
      }),
    ),
    selector: optional(
      str({
        description: 'Label selector of the app Pods (the scale subresource; an HPA counts Pods by it).',
      }),
    ),
    components: optional(
      obj(
        {
          app: optional(str({ description: 'App Pods available / wanted, e.g. 2/2.' })),
          database: optional(
            str({ description: 'Reason of DatabaseReady, e.g. Ready, External, Provisioning.' }),
          ),
          cache: optional(str({ description: 'Reason of CacheReady, e.g. Available, Disabled.' })),
        },
        { description: 'One word per component, for `kubectl get sf`.' },
      ),
    ),
    backups: optional(
      obj(
        {
          lastSuccessfulTime: optional(
            str({ description: 'When the last backup that succeeded finished.', format: 'date-time' }),
          ),
          lastFailedTime: optional(
            str({ description: 'When the last backup that failed finished.', format: 'date-time' }),
          ),
        },
        { description: 'Backups of the managed database (spec.database.backup); see condition BackupReady.' },
      ),
    ),
    conditions: optional(
      arr(condition, {
        description: 'Ready plus one condition per component.',
        listType: 'map',
        listMapKeys: ['type'],
        maxItems: 32,
      }),
    ),
  },
  { description: 'What the operator last observed.' },
);
