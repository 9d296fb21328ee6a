import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from '../config/config.ts';
import { CartStore } from '../data/cart-store.ts';
import { CatalogCache } from '../data/catalog-cache.ts';
import { CatalogVersion } from '../data/catalog-version.ts';
import {
  createPool,
  databaseUnavailable,
  isDatabaseUnavailable,
  type Pool,
  type PoolOptions,
} from '../data/db.ts';
import { dependencyChecks } from '../data/health-checks.ts';
import { migrateDatabase } from '../data/migrate.ts';
import { OrderRepository } from '../data/order-repo.ts';
import { ProductRepository } from '../data/product-repo.ts';
import { createRedis, type Redis } from '../data/redis.ts';
import { Carts } from '../domain/carts.ts';
import { Catalog } from '../domain/catalog.ts';
import { Checkout } from '../domain/checkout.ts';
import { AppError, errorBody } from '../domain/errors.ts';
import { apiRouter } from '../routes/api.ts';
import { healthz, opsRouter } from '../routes/health.ts';
import { pageRouter } from '../routes/pages.ts';
import { seedDemoCatalogOnce } from '../seed.ts';
import { errorPage } from '../views/pages.ts';
import { cachedListFastPath } from './cached-list.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { AssetManifest } from './static-assets.ts';

/** The bound on cross-replica staleness of cached catalog reads (see data/catalog-version.ts). */
export const CATALOG_MAX_STALENESS_MS = 250;

export interface ServerOptions {
  logger?: Logger;
  pool?: PoolOptions;
  /** Apply pending migrations (under the advisory lock) before listening. */
  migrate?: boolean;
  cacheTtlSeconds?: number;
  /** How often each replica reads the catalog version from Redis. @default 50 ms */
  catalogVersionPollMs?: number;
  /** How long a write on another replica may go unseen by this one's in-process cache. @default 250 ms */
  catalogMaxStalenessMs?: number;
  /** How long stop() lets in-flight requests finish before cutting connections. */
  drainTimeoutMs?: number;
  /** Largest accepted JSON body. */
  bodyLimit?: string;
  /** How often expired Idempotency-Keys and carts are swept (the first sweep runs this long after start). @default 1 h */
  idempotencySweepMs?: number;
}

export interface Services {
  pool: Pool;
  /** One connection reserved for /readyz, so a saturated request pool does not fail readiness. */
  healthPool: Pool;
  redis: Redis | undefined;
  cache: CatalogCache;
  catalogVersion: CatalogVersion | undefined;
  catalog: Catalog;
  carts: Carts;
  checkout: Checkout;
  products: ProductRepository;
  orders: OrderRepository;
  cartStore: CartStore;
  assets: AssetManifest;
  metrics: Metrics;
  logger: Logger;
}

export interface WebServer {
  url: string;
  port: number;
  /** The management port's base URL (/healthz, /readyz, /metrics). */
  opsUrl: string;
  server: Server;
  services: Services;
  /** Deletes Idempotency-Keys past IDEMPOTENCY_KEY_TTL_HOURS now (it also runs on a timer). */
  sweepIdempotencyKeys: () => Promise<number>;
  /** Deletes expired carts from Redis and Postgres now (it also runs on the same timer). */
  sweepCarts: () => Promise<number>;
  stop: () => Promise<void>;
}

export async function createServices(config: Config, options: ServerOptions = {}): Promise<Services> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const assets = await AssetManifest.load(config.assetBaseUrl);
  const pool = createPool(config.database, logger, options.pool);
  const healthPool = createPool(config.database, logger, {
    max: 1,
    connectionTimeoutMillis: 2_000,
    queryTimeoutMillis: 2_000,
  });
  const redis = config.redis ? createRedis(config.redis, logger) : undefined;
  const catalogVersion = redis
    ? new CatalogVersion({
        redis,
        logger,
        pollMs: options.catalogVersionPollMs ?? 50,
        maxStalenessMs: options.catalogMaxStalenessMs ?? CATALOG_MAX_STALENESS_MS,
      })
    : undefined;
  const cache = new CatalogCache({
    redis,
    ttlSeconds: options.cacheTtlSeconds ?? 300,
    metrics,
    logger,
    version: catalogVersion,
  });
  const products = new ProductRepository(pool);
  const orders = new OrderRepository(pool);
  const cartStore = new CartStore({ redis, pool, metrics });
  const catalog = new Catalog({ products, cache, assets });
  const carts = new Carts({ store: cartStore, products, images: assets });
  const checkout = new Checkout({
    orders,
    carts,
    cache,
    metrics: { orderOutcome: (outcome) => metrics.orders.inc({ outcome }) },
    log: logger,
    shippingRates: config.shippingRates,
    taxRateBasisPoints: config.taxRateBasisPoints,
  });
  return {
    pool,
    healthPool,
    redis,
    cache,
    catalogVersion,
    catalog,
    carts,
    checkout,
    products,
    orders,
    cartStore,
    assets,
    metrics,
    logger,
  };
}

/**
 * Helmet's headers, recorded once and replayed: with no nonces they depend on nothing in the
 * request, and one loop of setHeader is cheaper than a dozen chained middlewares on every request.
 */
function securityHeaders(headers: readonly (readonly [string, string])[]): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** Helmet's headers for this configuration, in the order helmet sets them. */
export function recordSecurityHeaders(config: Config): [string, string][] {
  const recorded = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: unknown) => recorded.set(name, String(value)),
    removeHeader: () => undefined,
  };
  helmetMiddleware(config)({} as Parameters<RequestHandler>[0], recorder as never, () => undefined);
  if (!recorded.has('Content-Security-Policy'))
    throw new Error(
      'helmet set no Content-Security-Policy synchronously; cannot precompute security headers',
    );
  return [...recorded];
}

function helmetMiddleware(config: Config): RequestHandler {
  const assetOrigin = config.assetBaseUrl ? [new URL(config.assetBaseUrl).origin] : [];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        scriptSrc: ["'none'"],
        styleSrc: ["'self'", ...assetOrigin],
        imgSrc: ["'self'", 'https:', 'data:', ...assetOrigin],
        fontSrc: ["'self'", ...assetOrigin],
      },
    },
    // HSTS belongs to the front door (spec.ingress), where it can be switched off; the app sending
    // its own would pin browsers to HTTPS whatever the spec says.
    strictTransportSecurity: false,
    // Assets may be fetched through a CDN on another origin.
    crossOriginResourcePolicy: { policy: 'same-site' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
}

/** Serves fingerprinted assets from memory with far-future immutable caching. */
function staticAssets(assets: AssetManifest, maxAgeSeconds: number): RequestHandler {
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const asset = assets.byHashedPath(req.path.replace(/^\//, ''));
    if (!asset) {
      res.status(404).set('Cache-Control', 'no-cache').type('text/plain').send('not found');
      return;
    }
    res.set({
      'Cache-Control': `public, max-age=${maxAgeSeconds}, immutable`,
      'Content-Type': asset.contentType,
      ETag: asset.etag,
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Access-Control-Allow-Origin': '*',
    });
    if (req.get('if-none-match') === asset.etag) {
      res.status(304).end();
      return;
    }
    res.send(asset.body);
  };
}

function observe(metrics: Metrics, logger: Logger, isDraining: () => boolean): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    if (isDraining()) res.set('Connection', 'close');
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const route = req.route
        ? `${req.baseUrl}${String(req.route.path)}`
        : req.path.startsWith('/static/')
          ? '/static'
          : 'unmatched';
      metrics.httpDuration.observe({ method: req.method, route, status_code: res.statusCode }, seconds);
      if (logger.isLevelEnabled('info')) {
        logger.info(
          { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 },
          'request',
        );
      }
    });
    next();
  };
}

function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  const e = err as { type?: string; status?: number; message?: string };
  switch (e.type) {
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', 'request body is too large', { field: 'body' });
    case 'entity.parse.failed':
      return new AppError(400, 'invalid_json', 'request body is not valid JSON', { field: 'body' });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_encoding', 'request body encoding is not supported', {
        field: 'body',
      });
    case 'parameters.too.many':
      return new AppError(413, 'payload_too_large', 'too many form fields', { field: 'body' });
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError(e.status, 'bad_request', e.message ?? 'bad request');
  }
  return undefined;
}

function errorHandler(services: Services): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const known = toAppError(err) ?? new AppError(500, 'internal', 'internal error; it has been logged');
    if (known.status >= 500) {
      services.logger[known.status === 503 ? 'warn' : 'error'](
        { err: err instanceof Error ? { message: err.message, stack: err.stack } : err, path: req.path },
        'request failed',
      );
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (known.headers) res.set(known.headers);
    const wantsJson = req.originalUrl.startsWith('/api/') || !req.accepts('html');
    if (wantsJson) {
      res.status(known.status).set('Cache-Control', 'no-store').json(errorBody(known));
    } else {
      res
        .status(known.status)
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(errorPage(services.assets, known.status, known.message));
    }
  };
}

export function createApp(
  config: Config,
  services: Services,
  isDraining: () => boolean,
  bodyLimit = '16kb',
): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  const security = recordSecurityHeaders(config);
  // First: it records its own request metric, and sends what the stack below would send.
  app.use(
    cachedListFastPath({
      catalog: services.catalog,
      securityHeaders: security,
      metrics: services.metrics,
      logger: services.logger,
      isDraining,
    }),
  );
  app.use(observe(services.metrics, services.logger, isDraining));
  // A route of the app itself, not a nested router: every request passes this point.
  app.get('/healthz', healthz);
  app.use('/static', staticAssets(services.assets, config.staticMaxAgeSeconds));
  app.use(securityHeaders(security));
  app.use('/api', express.json({ limit: bodyLimit, strict: true }));
  app.use(
    '/api',
    apiRouter({
      catalog: services.catalog,
      carts: services.carts,
      checkout: services.checkout,
      adminToken: config.adminToken,
    }),
  );
  app.use(express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }));
  app.use(
    pageRouter({
      catalog: services.catalog,
      carts: services.carts,
      checkout: services.checkout,
      assets: services.assets,
    }),
  );
  app.use((req) => {
    throw new AppError(404, 'not_found', `Nothing lives at ${req.path}.`);
  });
  app.use(errorHandler(services));
  return app;
}

/** The management app on METRICS_PORT: /healthz, /readyz, /metrics and nothing else. */
export function createOpsApp(services: Services, isDraining: () => boolean): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(
    opsRouter({
      checks: dependencyChecks(services.healthPool, services.redis),
      registry: services.metrics.registry,
      isDraining,
    }),
  );
  app.use((_req, res) => {
    res.status(404).set('Cache-Control', 'no-store').type('text/plain').send('not found');
  });
  return app;
}

/**
 * Starts the shop on `config.port` (0 picks a free port). The returned stop() drains: it stops
 * accepting, lets in-flight requests finish (closing keep-alive connections as they go idle), then
 * closes the Postgres pool and the Redis client.
 */
export async function startWebServer(config: Config, options: ServerOptions = {}): Promise<WebServer> {
  const services = await createServices(config, options);
  if (options.migrate) {
    let seeded: number[] = [];
    await migrateDatabase(
      config.database,
      services.logger,
      undefined,
      config.demoCatalog
        ? async (client) => {
            seeded = await seedDemoCatalogOnce(client);
          }
        : undefined,
    );
    if (seeded.length > 0) {
      services.logger.info({ products: seeded.length }, 'demo catalog seeded (the catalog was empty)');
      await services.cache.invalidateProducts(seeded);
    }
  }
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  const app = createApp(config, services, () => draining, options.bodyLimit);
  services.catalogVersion?.start();
  const server = createServer((req, res) => {
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      // A keep-alive connection whose last request just finished is idle now: close it.
      if (draining) server.closeIdleConnections();
    });
    app(req, res);
  });
  // Longer than typical load-balancer idle timeouts, so the LB closes idle connections first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 30_000;
  // A deep accept queue: bursts of new connections (a rollout, a flash sale) queue instead of being reset.
  server.listen({ port: config.port, backlog: 4096 });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const opsServer = createServer(createOpsApp(services, () => draining));
  opsServer.listen({ port: config.metricsPort });
  await once(opsServer, 'listening');
  const opsPort = (opsServer.address() as AddressInfo).port;
  services.logger.info(
    { port, metricsPort: opsPort, redis: services.redis ? 'enabled' : 'disabled' },
    'storefront listening',
  );

  // Every replica sweeps; concurrent DELETEs of the same rows are harmless. A failed sweep (the
  // database away) is logged and tried again next time.
  const sweepIdempotencyKeys = async () => {
    const deleted = await services.orders.deleteExpiredIdempotencyKeys(config.idempotencyKeyTtlHours);
    if (deleted > 0)
      services.logger.info(
        { deleted, ttlHours: config.idempotencyKeyTtlHours },
        'expired idempotency keys swept',
      );
    return deleted;
  };
  const sweepCarts = async () => {
    const deleted = await services.carts.sweepExpired();
    if (deleted > 0) services.logger.info({ deleted }, 'expired carts swept');
    return deleted;
  };
  const sweepTimer = setInterval(() => {
    void sweepIdempotencyKeys().catch((err: Error) =>
      services.logger.warn({ err: err.message }, 'idempotency key sweep failed; next try in an interval'),
    );
    void sweepCarts().catch((err: Error) =>
      services.logger.warn({ err: err.message }, 'cart sweep failed; next try in an interval'),
    );
  }, options.idempotencySweepMs ?? 3_600_000);
  sweepTimer.unref();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(sweepTimer);
      services.catalogVersion?.stop();
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), options.drainTimeoutMs ?? 20_000);
      // Keep-alive sockets that become idle after their last response are closed by `Connection: close`.
      await closed;
      clearTimeout(timer);
      // The management port answers until the end, so the kubelet sees "draining" on /readyz.
      await new Promise<void>((resolve) => {
        opsServer.close(() => resolve());
        opsServer.closeAllConnections();
      });
      await services.pool.end().catch(() => undefined);
      await services.healthPool.end().catch(() => undefined);
      if (services.redis) await services.redis.quit().catch(() => services.redis?.disconnect());
      services.logger.info('storefront stopped');
    })();
    return stopping;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    server,
    services,
    sweepIdempotencyKeys,
    sweepCarts,
    stop,
  };
}

export async function stopWebServer(server: WebServer): Promise<void> {
  await server.stop();
}
