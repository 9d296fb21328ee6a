import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** One registry per server instance, so tests can run several servers in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route template',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'storefront_cache_requests_total',
      help: 'Catalog cache lookups by result (hit, miss, error, bypass)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    catalogLocal: new Counter({
      name: 'storefront_catalog_local_cache_total',
      help: 'In-process catalog cache lookups (hit: served from this process; miss: went to Redis/Postgres)',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    orders: new Counter({
      name: 'storefront_orders_total',
      help: 'Checkout attempts by outcome (created, replayed, out_of_stock, rejected)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    cartStore: new Counter({
      name: 'storefront_cart_operations_total',
      help: 'Cart operations by backing store (redis, postgres)',
      labelNames: ['store'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
