// The environment contract between the renderer and the shop: the variables the rendered app and
// migration containers get are read by app/src/config (nothing else, nothing misspelt), and the
// configuration the shop derives from them points at the rendered Services and Secrets.
import { CONFIG_VARIABLES, type Config, loadConfig } from '../../../app/src/config/config.ts';
import { RESERVED_ENV } from '../../api/storefront-schema.ts';
import type { Storefront } from '../../api/types.ts';
import type { KubeObject } from '../../core/object.ts';
import { names } from '../names.ts';
import { podTemplates } from './pod-templates.ts';

/** Values standing in for Secrets the user (or CloudNativePG) owns; render never sees them. */
export const USER_SECRET_VALUES = {
  databaseUrl: 'postgres://shop:user-pw@db.external.invalid:5432/shop',
  cacheUrl: 'redis://cache.external.invalid:6379/0',
  adminToken: 'user-admin-token-0123456789',
  env: (name: string, key: string) => `user-secret-${name}-${key}`,
  cnpgUri: (sf: Storefront) => `postgresql://storefront:cnpg-pw@${names(sf).cnpgRw}:5432/storefront`,
};

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

/** A Secret value as the kubelet would resolve it, from the render or the stand-ins above. */
function secretValue(
  sf: Storefront,
  objects: KubeObject[],
  name: string,
  key: string,
  userSecrets: UserSecrets = {},
): string {
  const given = userSecrets[`${name}/${key}`];
  if (given !== undefined) return given;
  const rendered = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name) as any;
  if (rendered?.data?.[key] !== undefined) return Buffer.from(rendered.data[key], 'base64').toString('utf8');
  const { database, cache, app } = sf.spec;
  if (database.mode === 'external' && database.external?.name === name && database.external.key === key)
    return USER_SECRET_VALUES.databaseUrl;
  if (database.mode === 'cloudnativepg' && name === names(sf).cnpgApp && key === 'uri')
    return USER_SECRET_VALUES.cnpgUri(sf);
  if (cache.mode === 'external' && cache.external?.name === name && cache.external.key === key)
    return USER_SECRET_VALUES.cacheUrl;
  if (app.adminTokenSecret?.name === name && app.adminTokenSecret.key === key)
    return USER_SECRET_VALUES.adminToken;
  if (app.env?.some((e) => e.secretKeyRef?.name === name && e.secretKeyRef.key === key))
    return USER_SECRET_VALUES.env(name, key);
  throw new Error(`Secret ${name} key ${key} resolves to nothing (see crossReferenceProblems)`);
}

/** Values of Secrets the user owns, by `name/key` (the stand-ins above otherwise). */
export type UserSecrets = Record<string, string>;

/** The environment a container starts with, Secrets resolved. */
export function resolvedEnv(
  sf: Storefront,
  objects: KubeObject[],
  env: EnvVar[],
  userSecrets: UserSecrets = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env) {
    const ref = e.valueFrom?.secretKeyRef;
    out[e.name] = ref ? secretValue(sf, objects, ref.name, ref.key, userSecrets) : (e.value ?? '');
  }
  return out;
}

export function container(objects: KubeObject[], kind: string, namePrefix: string, containerName: string) {
  const t = podTemplates(objects).find((p) => p.owner.startsWith(`${kind}/${namePrefix}`));
  return t?.spec.containers.find((c: { name: string }) => c.name === containerName);
}

/** Problems with the environment given to the shop; empty when the contract holds. */
export function envContractProblems(sf: Storefront, objects: KubeObject[]): string[] {
  const problems: string[] = [];
  const n = names(sf);
  const userNames = new Set((sf.spec.app.env ?? []).map((e) => e.name));
  const app = container(objects, 'Deployment', n.app, 'app');
  const migrate = container(objects, 'Job', `${sf.metadata.name}-migrate-`, 'migrate');
  if (!app || !migrate) return ['the app Deployment or the migration Job is not rendered'];

  for (const [what, c] of [
    ['app', app],
    ['migration', migrate],
  ] as const) {
    const env = c.env as EnvVar[];
    const seen = new Set<string>();
    for (const e of env) {
      if (seen.has(e.name)) problems.push(`${what} env ${e.name} is set twice`);
      seen.add(e.name);
      if (userNames.has(e.name) && what === 'app') continue;
      if (!CONFIG_VARIABLES.includes(e.name))
        problems.push(
          `${what} env ${e.name} is not read by app/src/config (it reads ${CONFIG_VARIABLES.join(', ')})`,
        );
      if (!(RESERVED_ENV as readonly string[]).includes(e.name))
        problems.push(`${what} env ${e.name} is rendered but not in RESERVED_ENV (users could override it)`);
    }
  }

  let config: Config;
  let migrateConfig: Config;
  try {
    config = loadConfig(resolvedEnv(sf, objects, app.env));
    migrateConfig = loadConfig(resolvedEnv(sf, objects, migrate.env));
  } catch (err) {
    return [...problems, `the shop refuses the rendered environment: ${(err as Error).message}`];
  }
  const expect = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want))
      problems.push(
        `${what}: the shop reads ${JSON.stringify(got)}, the render means ${JSON.stringify(want)}`,
      );
  };
  const httpPort = (app.ports ?? []).find((p: { name: string }) => p.name === 'http')?.containerPort;
  expect('port', config.port, httpPort);
  // Readiness is served on the management port only (the public port answers 404 for /readyz).
  const metricsPort = (app.ports ?? []).find((p: { name: string }) => p.name === 'metrics')?.containerPort;
  expect('metrics port', config.metricsPort, metricsPort);
  const probePort = app.readinessProbe?.httpGet?.port;
  if (probePort !== 'metrics' && probePort !== config.metricsPort)
    problems.push(`readiness probe port ${probePort} is not the shop's management port`);
  expect('demo catalog', config.demoCatalog, sf.spec.app.demoCatalog);
  expect('migration database', migrateConfig.database, config.database);

  const service = (name: string) =>
    objects.find((o) => o.kind === 'Service' && o.metadata.name === name) as any;
  switch (sf.spec.database.mode) {
    case 'managed': {
      const pg = container(objects, 'StatefulSet', n.postgres, 'postgres');
      const pgEnv = resolvedEnv(sf, objects, pg?.env ?? []);
      const svc = service(config.database.host ?? '');
      if (!svc) problems.push(`database host ${config.database.host} is no rendered Service`);
      else expect('database port', config.database.port, svc.spec.ports[0].port);
      expect('database host', config.database.host, n.postgres);
      // The shop logs in as the role the migration Job's bootstrap creates, which logs in as
      // the image's bootstrap superuser; the shop never is that superuser.
      const job = objects.find((o) => o.kind === 'Job') as any;
      const boot = job?.spec.template.spec.initContainers?.find((c: any) => c.name === 'bootstrap-roles');
      if (!boot) problems.push('managed database without the bootstrap-roles init container');
      const bootEnv = resolvedEnv(sf, objects, boot?.env ?? []);
      expect('database user', config.database.user, bootEnv.APP_ROLE);
      expect('database password', config.database.password, bootEnv.APP_PASSWORD);
      expect('bootstrap user', bootEnv.PGUSER, pgEnv.POSTGRES_USER);
      expect('bootstrap password', bootEnv.PGPASSWORD, pgEnv.POSTGRES_PASSWORD);
      expect('bootstrap host', bootEnv.PGHOST, config.database.host);
      expect('database name', config.database.database, pgEnv.POSTGRES_DB);
      expect('bootstrap database', bootEnv.PGDATABASE, pgEnv.POSTGRES_DB);
      if (config.database.user === pgEnv.POSTGRES_USER)
        problems.push(`the shop logs in as the superuser ${pgEnv.POSTGRES_USER}`);
      break;
    }
    case 'external':
      expect('database URL', config.database.connectionString, USER_SECRET_VALUES.databaseUrl);
      break;
    case 'cloudnativepg':
      expect('database URL', config.database.connectionString, USER_SECRET_VALUES.cnpgUri(sf));
      break;
  }
  switch (sf.spec.cache.mode) {
    case 'managed': {
      const url = new URL(config.redis?.url ?? 'redis://missing');
      const svc = service(url.hostname);
      if (!svc) problems.push(`cache host ${url.hostname} is no rendered Service`);
      else expect('cache port', Number(url.port), svc.spec.ports[0].port);
      const redisEnv = resolvedEnv(
        sf,
        objects,
        container(objects, 'Deployment', n.redis, 'redis')?.env ?? [],
      );
      expect('cache password', config.redis?.password, redisEnv.REDIS_PASSWORD);
      break;
    }
    case 'external':
      expect('cache URL', config.redis?.url, USER_SECRET_VALUES.cacheUrl);
      break;
    case 'disabled':
      expect('cache', config.redis, undefined);
      break;
  }
  expect(
    'admin token',
    config.adminToken,
    sf.spec.app.adminTokenSecret
      ? USER_SECRET_VALUES.adminToken
      : secretValue(sf, objects, n.appSecrets, 'admin-token'),
  );
  expect('static max-age', config.staticMaxAgeSeconds, sf.spec.cdn.staticMaxAgeSeconds);
  expect('asset base URL', config.assetBaseUrl, sf.spec.cdn.assetBaseUrl?.replace(/\/+$/, ''));
  const env = resolvedEnv(sf, objects, app.env);
  for (const e of sf.spec.app.env ?? []) {
    const want = e.secretKeyRef
      ? USER_SECRET_VALUES.env(e.secretKeyRef.name, e.secretKeyRef.key)
      : (e.value ?? '');
    expect(`user env ${e.name}`, env[e.name], want);
  }
  return problems;
}
