import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('loadConfig', () => {
  it('when only DATABASE_URL is set, then the defaults apply', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/shop' });
    expect(config).toEqual({
      port: 8080,
      metricsPort: 9090,
      database: { connectionString: 'postgres://u:p@db:5432/shop', sslMode: undefined },
      redis: undefined,
      adminToken: undefined,
      assetBaseUrl: undefined,
      staticMaxAgeSeconds: 31536000,
      idempotencyKeyTtlHours: 24,
      logLevel: 'info',
      demoCatalog: false,
      shippingRates: [
        { id: 'standard', cents: 495, label: 'Standard delivery (3-5 business days)' },
        { id: 'express', cents: 1495, label: 'Express delivery (next business day)' },
      ],
      taxRateBasisPoints: 0,
    });
  });

  it('when the PG* variables are used, then they are all read', () => {
    const config = loadConfig({
      PGHOST: 'db',
      PGPORT: '6432',
      PGUSER: 'shop',
      PGPASSWORD: 'secret',
      PGDATABASE: 'shop',
      PGSSLMODE: 'require',
      REDIS_URL: 'redis://cache:6379/0',
      REDIS_PASSWORD: 'pw',
      ADMIN_TOKEN: 'a'.repeat(32),
      ASSET_BASE_URL: 'https://cdn.example.com/',
      STATIC_MAX_AGE_SECONDS: '60',
      LOG_LEVEL: 'warn',
      PORT: '9000',
    });
    expect(config.database).toEqual({
      host: 'db',
      port: 6432,
      user: 'shop',
      password: 'secret',
      database: 'shop',
      sslMode: 'require',
    });
    expect(config.redis).toEqual({ url: 'redis://cache:6379/0', password: 'pw' });
    expect(config.assetBaseUrl).toBe('https://cdn.example.com');
    expect(config).toMatchObject({ port: 9000, staticMaxAgeSeconds: 60, logLevel: 'warn' });
  });

  it('when a variable is empty, then it counts as unset (Kubernetes renders optional values as "")', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db/shop',
      REDIS_URL: '',
      ADMIN_TOKEN: '',
      PORT: '',
    });
    expect(config.redis).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
    expect(config.port).toBe(8080);
  });

  it.each([
    [{ PORT: 'http' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PGPORT: '-1' }, 'PGPORT'],
    [{ DATABASE_URL: 'mysql://db/shop' }, 'DATABASE_URL'],
    [{ PGSSLMODE: 'sometimes' }, 'PGSSLMODE'],
    [{ REDIS_URL: 'cache:6379' }, 'REDIS_URL'],
    [{ ADMIN_TOKEN: 'short' }, 'ADMIN_TOKEN'],
    [{ ASSET_BASE_URL: 'cdn.example.com' }, 'ASSET_BASE_URL'],
    [{ STATIC_MAX_AGE_SECONDS: 'forever' }, 'STATIC_MAX_AGE_SECONDS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ IDEMPOTENCY_KEY_TTL_HOURS: '0' }, 'IDEMPOTENCY_KEY_TTL_HOURS'],
    [{ IDEMPOTENCY_KEY_TTL_HOURS: '1.5' }, 'IDEMPOTENCY_KEY_TTL_HOURS'],
    [{ METRICS_PORT: 'x' }, 'METRICS_PORT'],
    [{ DEMO_CATALOG: 'yes' }, 'DEMO_CATALOG'],
    [{ SHIPPING_RATES: 'standard:4.95:Standard' }, 'SHIPPING_RATES'],
    [{ SHIPPING_RATES: 'a:1:A,a:2:B' }, 'SHIPPING_RATES'],
    [{ TAX_RATE_PERCENT: '8.255' }, 'TAX_RATE_PERCENT'],
    [{ TAX_RATE_PERCENT: '-1' }, 'TAX_RATE_PERCENT'],
  ])('when %o is set, then the error names %s', (env, variable) => {
    const found = problems({ DATABASE_URL: 'postgres://db/shop', ...env });
    expect(found.map((p) => p.variable)).toContain(variable);
  });

  it('when checkout settings are given, then rates and tax are read in integer units', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://db/shop',
      SHIPPING_RATES: 'ground:0:Free ground shipping, air:2500:Air freight',
      TAX_RATE_PERCENT: '8.25',
      DEMO_CATALOG: 'true',
      METRICS_PORT: '9102',
    });
    expect(config.shippingRates).toEqual([
      { id: 'ground', cents: 0, label: 'Free ground shipping' },
      { id: 'air', cents: 2500, label: 'Air freight' },
    ]);
    expect(config).toMatchObject({ taxRateBasisPoints: 825, demoCatalog: true, metricsPort: 9102 });
  });

  it('when no database is configured, then the message says what to set', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL: set DATABASE_URL, or PGHOST/);
  });

  it('when a secret is invalid, then its value is not echoed', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/shop', ADMIN_TOKEN: 'hunter2' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });
});
