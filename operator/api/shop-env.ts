// The shop's environment contract, written once: every variable app/src/config reads, and who
// sets it. The renderer may only emit the `rendered` ones (render/app-env.ts is typed by them);
// users may not override those through app.env (the CRD's CEL rule reads RESERVED_ENV), and may
// set the `user` ones, whose default lives in the shop. app-env.test.ts checks this list against
// app/src/config's CONFIG_VARIABLES, so a variable the shop starts reading cannot go unnoticed.

export const SHOP_ENV = {
  PORT: 'rendered',
  DATABASE_URL: 'rendered',
  PGHOST: 'rendered',
  PGPORT: 'rendered',
  PGUSER: 'rendered',
  PGPASSWORD: 'rendered',
  PGDATABASE: 'rendered',
  PGSSLMODE: 'rendered',
  REDIS_URL: 'rendered',
  REDIS_PASSWORD: 'rendered',
  ADMIN_TOKEN: 'rendered',
  ASSET_BASE_URL: 'rendered',
  STATIC_MAX_AGE_SECONDS: 'rendered',
  METRICS_PORT: 'rendered',
  DEMO_CATALOG: 'rendered',
  /** Not in the spec: the shop's default (24 h) applies unless app.env sets it. */
  IDEMPOTENCY_KEY_TTL_HOURS: 'user',
  /** Not in the spec: the shop's default (info) applies unless app.env sets it. */
  LOG_LEVEL: 'user',
  /** Not in the spec: the shop's default rates apply unless app.env sets them. */
  SHIPPING_RATES: 'user',
  /** Not in the spec: the shop's default applies unless app.env sets it. */
  TAX_RATE_PERCENT: 'user',
} as const satisfies Record<string, 'rendered' | 'user'>;

export type ShopEnvName = keyof typeof SHOP_ENV;
/** A variable the renderer sets. */
export type RenderedEnvName = {
  [K in ShopEnvName]: (typeof SHOP_ENV)[K] extends 'rendered' ? K : never;
}[ShopEnvName];

/** Variables the renderer sets for the shop; users may not override them through app.env. */
export const RESERVED_ENV = (Object.keys(SHOP_ENV) as ShopEnvName[]).filter(
  (k): k is RenderedEnvName => SHOP_ENV[k] === 'rendered',
);
