// The shop's environment as rendered (the contract itself is api/shop-env.ts): how the app and the
// migration Job find the database and the cache. Secrets are referenced, never inlined.

import type { RenderedEnvName } from '../api/shop-env.ts';
import type { Storefront } from '../api/types.ts';
import { POSTGRES_APP_ROLE, POSTGRES_DB } from './credentials.ts';
import type * as k8s from './k8s.ts';
import { names } from './names.ts';

export const APP_PORT = 8080;
/** The shop's management port (/metrics, /readyz): probed by the kubelet, never routed by the front door. */
export const METRICS_PORT = 9090;
export const APP_UID = 10001;

/** A variable of the contract: a name the contract does not list fails to compile. */
type ShopEnvVar = k8s.EnvVar & { name: RenderedEnvName };

const fromSecret = (name: string, key: string): k8s.EnvVar['valueFrom'] => ({ secretKeyRef: { name, key } });

export function databaseEnv(sf: Storefront): ShopEnvVar[] {
  const n = names(sf);
  switch (sf.spec.database.mode) {
    case 'managed':
      return [
        { name: 'PGHOST', value: n.postgres },
        { name: 'PGPORT', value: '5432' },
        { name: 'PGDATABASE', value: POSTGRES_DB },
        // The app's own role, never the bootstrap superuser (render/postgres-roles.ts).
        { name: 'PGUSER', value: POSTGRES_APP_ROLE },
        { name: 'PGPASSWORD', valueFrom: fromSecret(n.postgresAppCredentials, 'password') },
        // In-cluster traffic stays inside the namespace behind NetworkPolicies.
        { name: 'PGSSLMODE', value: 'disable' },
      ];
    case 'external': {
      const ext = sf.spec.database.external!;
      return [{ name: 'DATABASE_URL', valueFrom: fromSecret(ext.name, ext.key) }];
    }
    case 'cloudnativepg':
      // CloudNativePG writes `<cluster>-app` with a ready-made `uri` for the application user.
      return [{ name: 'DATABASE_URL', valueFrom: fromSecret(n.cnpgApp, 'uri') }];
  }
}

export function cacheEnv(sf: Storefront): ShopEnvVar[] {
  const n = names(sf);
  switch (sf.spec.cache.mode) {
    case 'managed':
      return [
        { name: 'REDIS_URL', value: `redis://${n.redis}:6379/0` },
        { name: 'REDIS_PASSWORD', valueFrom: fromSecret(n.redisCredentials, 'password') },
      ];
    case 'external': {
      const ext = sf.spec.cache.external!;
      return [{ name: 'REDIS_URL', valueFrom: fromSecret(ext.name, ext.key) }];
    }
    case 'disabled':
      return [];
  }
}

export function appEnv(sf: Storefront): k8s.EnvVar[] {
  const n = names(sf);
  const admin = sf.spec.app.adminTokenSecret ?? { name: n.appSecrets, key: 'admin-token' };
  const rendered: ShopEnvVar[] = [
    { name: 'PORT', value: String(APP_PORT) },
    { name: 'METRICS_PORT', value: String(METRICS_PORT) },
    ...databaseEnv(sf),
    ...cacheEnv(sf),
    { name: 'ADMIN_TOKEN', valueFrom: fromSecret(admin.name, admin.key) },
    { name: 'STATIC_MAX_AGE_SECONDS', value: String(sf.spec.cdn.staticMaxAgeSeconds) },
  ];
  if (sf.spec.cdn.assetBaseUrl) rendered.push({ name: 'ASSET_BASE_URL', value: sf.spec.cdn.assetBaseUrl });
  if (sf.spec.app.demoCatalog) rendered.push({ name: 'DEMO_CATALOG', value: 'true' });
  const env: k8s.EnvVar[] = rendered;
  for (const e of sf.spec.app.env ?? []) {
    env.push(
      e.secretKeyRef
        ? { name: e.name, valueFrom: fromSecret(e.secretKeyRef.name, e.secretKeyRef.key) }
        : { name: e.name, value: e.value ?? '' },
    );
  }
  return env;
}
