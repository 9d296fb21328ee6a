import { z } from 'zod';

/**
 * The shop's whole configuration comes from the environment (the operator's renderer sets exactly these
 * variables). It is validated once at start-up; a bad value stops the process with a message naming the
 * variable, never echoing a secret.
 */

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;

const portNumber = () =>
  z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, 'must be an integer between 0 and 65535')
    .transform(Number)
    .pipe(z.number().int().min(0, 'must be >= 0').max(65535, 'must be <= 65535'));

const httpOrigin = z
  .string()
  .trim()
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'must be an absolute http(s) URL')
  .transform((value) => value.replace(/\/+$/, ''));

/**
 * SHIPPING_RATES: `id:cents:label` entries separated by commas, e.g.
 * `standard:495:Standard (3-5 business days),express:1495:Express (next business day)`.
 * Flat rates in the smallest unit of the order's currency; the first one is preselected.
 */
export const DEFAULT_SHIPPING_RATES =
  'standard:495:Standard delivery (3-5 business days),express:1495:Express delivery (next business day)';

const shippingRates = z
  .string()
  .trim()
  .transform((text, ctx) => {
    const rates: ShippingRate[] = [];
    for (const entry of text.split(',')) {
      const match = /^\s*([a-z][a-z0-9-]{0,31}):(\d{1,7}):([^,:]{1,80})\s*$/.exec(entry);
      if (!match) {
        ctx.addIssue({
          code: 'custom',
          message: `entry "${entry.slice(0, 40)}" must look like id:cents:label (id lower-case, cents an integer, label without , or :)`,
        });
        return z.NEVER;
      }
      if (rates.some((r) => r.id === match[1])) {
        ctx.addIssue({ code: 'custom', message: `shipping method ${match[1]} is listed twice` });
        return z.NEVER;
      }
      rates.push({ id: match[1]!, cents: Number(match[2]), label: match[3]!.trim() });
    }
    return rates;
  });

const envSchema = z
  .object({
    PORT: portNumber().default(8080),
    METRICS_PORT: portNumber().default(9090),
    DATABASE_URL: z
      .string()
      .trim()
      .refine((v) => /^postgres(ql)?:\/\//i.test(v), 'must be a postgres:// or postgresql:// URL')
      .optional(),
    PGHOST: z.string().trim().min(1).optional(),
    PGPORT: portNumber().optional(),
    PGUSER: z.string().min(1).optional(),
    PGPASSWORD: z.string().optional(),
    PGDATABASE: z.string().min(1).optional(),
    PGSSLMODE: z.enum(SSL_MODES, { message: `must be one of ${SSL_MODES.join(', ')}` }).optional(),
    REDIS_URL: z
      .string()
      .trim()
      .refine((v) => /^rediss?:\/\/[^\s]+$/i.test(v), 'must be a redis:// or rediss:// URL')
      .optional(),
    REDIS_PASSWORD: z.string().optional(),
    ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    ASSET_BASE_URL: httpOrigin.optional(),
    STATIC_MAX_AGE_SECONDS: z
      .string()
      .trim()
      .regex(/^\d{1,10}$/, 'must be a non-negative integer number of seconds')
      .transform(Number)
      .default(31536000),
    IDEMPOTENCY_KEY_TTL_HOURS: z
      .string()
      .trim()
      .regex(/^\d{1,4}$/, 'must be a whole number of hours from 1 to 8760')
      .transform(Number)
      .refine((h) => h >= 1 && h <= 8760, 'must be a whole number of hours from 1 to 8760')
      .default(24),
    LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    DEMO_CATALOG: z
      .enum(['true', 'false'], { message: 'must be true or false' })
      .transform((v) => v === 'true')
      .default(false),
    SHIPPING_RATES: shippingRates.prefault(DEFAULT_SHIPPING_RATES),
    TAX_RATE_PERCENT: z
      .string()
      .trim()
      .regex(
        /^\d{1,2}(\.\d{1,2})?$/,
        'must be a percentage from 0 to 99.99 with at most two decimals, e.g. 8.25',
      )
      .transform((v) => Math.round(Number(v) * 100))
      .default(0),
  })
  .superRefine((env, ctx) => {
    if (!env.DATABASE_URL && !env.PGHOST) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'set DATABASE_URL, or PGHOST (with PGPORT/PGUSER/PGPASSWORD/PGDATABASE/PGSSLMODE)',
      });
    }
  });

/** Every variable the shop reads: the contract the operator's renderer is checked against. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export type SslMode = (typeof SSL_MODES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DatabaseConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  sslMode?: SslMode;
}

export interface ShippingRate {
  id: string;
  label: string;
  cents: number;
}

export interface RedisConfig {
  url: string;
  password?: string;
}

export interface Config {
  port: number;
  /** Port of /metrics, /readyz and /healthz for the kubelet and Prometheus; the front door never routes it. */
  metricsPort: number;
  database: DatabaseConfig;
  /** undefined: run without a cache (carts in Postgres, catalog read straight from Postgres). */
  redis?: RedisConfig;
  /** undefined: the admin API answers 403 "admin API disabled". */
  adminToken?: string;
  /** CDN origin in front of /static, without a trailing slash. */
  assetBaseUrl?: string;
  staticMaxAgeSeconds: number;
  /** How long an Idempotency-Key replays its first answer; older keys are swept and may be reused. */
  idempotencyKeyTtlHours: number;
  logLevel: LogLevel;
  /** Seed the demo catalog at start-up when the catalog is empty. */
  demoCatalog: boolean;
  /** Flat shipping rates offered at checkout, in the order's currency. */
  shippingRates: ShippingRate[];
  /** Sales tax on the goods subtotal, in basis points (825 = 8.25 %). */
  taxRateBasisPoints: number;
}

export class ConfigError extends Error {
  readonly problems: { variable: string; message: string }[];
  constructor(problems: { variable: string; message: string }[]) {
    super(
      `Invalid configuration:\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n')}\n` +
        'Fix the environment variable(s) above and start again.',
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads and validates the environment. Throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "unset": Kubernetes renders optional values as "" all the time.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? 'environment'),
        message: issue.message,
      })),
    );
  }
  const e = parsed.data;
  const database: DatabaseConfig = e.DATABASE_URL
    ? { connectionString: e.DATABASE_URL, sslMode: e.PGSSLMODE }
    : {
        host: e.PGHOST,
        port: e.PGPORT ?? 5432,
        user: e.PGUSER,
        password: e.PGPASSWORD,
        database: e.PGDATABASE,
        sslMode: e.PGSSLMODE,
      };
  return {
    port: e.PORT,
    metricsPort: e.METRICS_PORT,
    database,
    redis: e.REDIS_URL ? { url: e.REDIS_URL, password: e.REDIS_PASSWORD } : undefined,
    adminToken: e.ADMIN_TOKEN,
    assetBaseUrl: e.ASSET_BASE_URL,
    staticMaxAgeSeconds: e.STATIC_MAX_AGE_SECONDS,
    idempotencyKeyTtlHours: e.IDEMPOTENCY_KEY_TTL_HOURS,
    logLevel: e.LOG_LEVEL,
    demoCatalog: e.DEMO_CATALOG,
    shippingRates: e.SHIPPING_RATES as ShippingRate[],
    taxRateBasisPoints: e.TAX_RATE_PERCENT,
  };
}

/**
 * `loadConfig` for an entry point: on a ConfigError it prints the message (every bad variable) and
 * sets exit status 78 (EX_CONFIG), returning undefined so the caller just returns.
 */
export function loadConfigOrExitStatus(
  env: Record<string, string | undefined> = process.env,
): Config | undefined {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exitCode = 78;
    return undefined;
  }
}
