// One Storefront per mode the spec offers, each built over a minimal spec, so that tests that walk
// "every render" cover every branch of the renderer and not only the examples' choices.

import type { Storefront } from '../../api/types.ts';
import { parseStorefront } from '../../api/validate.ts';

const base = (name: string, spec: Record<string, unknown>, namespace = 'modes') => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name, namespace },
  spec: { host: `${name}.example.com`, ...spec },
});

/** Raw (not defaulted) documents, as a user or a test applies them. */
export const modeVariantDocs: Record<string, ReturnType<typeof base>> = {
  'tls-cert-manager-issuer': base('cm', {
    ingress: { tls: { mode: 'certManager', issuerRef: { name: 'shop-issuer', kind: 'Issuer' } } },
  }),
  'tls-secret': base('usertls', { ingress: { tls: { mode: 'secret', secretName: 'shop-cert' } } }),
  'tls-none-hsts-off': base('plain', { ingress: { tls: { mode: 'none' }, hsts: { enabled: false } } }),
  'gateway-api': base('gw', {
    ingress: {
      provider: 'gatewayAPI',
      gateway: { parentRefs: [{ name: 'edge', namespace: 'gateways', sectionName: 'https' }] },
    },
    cdn: { originHost: 'origin.gw.example.com', staticMaxAgeSeconds: 600 },
  }),
  'external-db-and-cache': base('ext', {
    database: { mode: 'external', external: { name: 'shop-db', key: 'url' } },
    cache: { mode: 'external', external: { name: 'shop-cache', key: 'redis-url' } },
    networkPolicy: { externalEgressCIDRs: ['10.20.0.0/16'] },
  }),
  'external-cache-managed-db': base('extc', {
    cache: { mode: 'external', external: { name: 'shop-cache' } },
  }),
  cloudnativepg: base('cnpg', {
    database: { mode: 'cloudnativepg', instances: 3, storage: { size: '5Gi', storageClassName: 'fast' } },
  }),
  'cache-disabled': base('nocache', { cache: { mode: 'disabled' } }),
  'backup-and-restore': base('restored', {
    database: {
      backup: {
        schedule: '*/30 * * * *',
        retention: { count: 3, maxAge: '2d' },
        destination: { pvc: { size: '2Gi', storageClassName: 'standard', deletionPolicy: 'Delete' } },
      },
      restore: { from: { backup: 'latest', claimName: 'old-shop-backups' } },
    },
  }),
  autoscaling: base('hpa', {
    app: {
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 },
    },
  }),
  'one-replica-no-pdb': base('single', { app: { replicas: 1 } }),
  'network-policy-off': base('open', { networkPolicy: { enabled: false } }),
  'waf-and-cdn': base('waf', {
    ingress: { waf: { enabled: true }, rateLimit: { requestsPerSecond: 20, connections: 10 } },
    cdn: { assetBaseUrl: 'https://cdn.example.com/assets/', originHost: 'origin.waf.example.com' },
  }),
  'every-rarely-set-field': base('rare', {
    app: {
      image: 'registry.example:5000/shop/app:2.0.1',
      imagePullPolicy: 'Always',
      adminTokenSecret: { name: 'shop-admin', key: 'token' },
      env: [
        { name: 'FEATURE_FLAG', value: 'on' },
        { name: 'PAYMENT_KEY', secretKeyRef: { name: 'payments', key: 'api-key' } },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
    },
    ingress: { hsts: { enabled: true, includeSubdomains: true } },
    cdn: { staticMaxAgeSeconds: 86400 },
    database: {
      image: 'registry.example:5000/postgres:17.6',
      storage: { size: '20Gi', storageClassName: 'standard' },
    },
    cache: {
      image: 'registry.example:5000/redis:8.2.2',
      maxMemory: '100Mi',
      resources: { requests: { memory: '128Mi' }, limits: { memory: '256Mi' } },
    },
    networkPolicy: { dnsNamespace: 'dns-system', ingressControllerNamespace: 'edge' },
    deletionPolicy: 'Delete',
  }),
};

export function modeVariants(): [string, Storefront][] {
  return Object.entries(modeVariantDocs).map(([k, doc]) => [k, parseStorefront(structuredClone(doc), k)]);
}
