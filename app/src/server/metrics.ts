import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { RequestHistogram } from './request-histogram.ts';

/**
 * Counts of a counter bumped on every cached catalog read, kept as plain numbers and added to the
 * counter when it is collected (a scrape, or get()): prom-client hashes the label set on every
 * inc(), which the cached read paid twice per request. What /metrics shows is the same.
 */
function pendingCounts() {
  const counts = new Map<string, number>();
  return {
    add: (result: string) => void counts.set(result, (counts.get(result) ?? 0) + 1),
    flush(counter: Counter<'result'>) {
      for (const [result, n] of counts) counter.inc({ result }, n);
      counts.clear();
    },
  };
}

/** One registry per server instance, so tests can run several servers in one process. */
export function createMetrics() {
  const registry = new Registry();
  const cacheCounts = pendingCounts();
  const localCounts = pendingCounts();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    // Observed on every request: prom-client's exposition, a cheaper observe (request-histogram.ts).
    httpDuration: new RequestHistogram({
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
      collect() {
        cacheCounts.flush(this);
      },
    }),
    /** Counts one catalog cache lookup (storefront_cache_requests_total) without hashing labels. */
    countCacheRequest: cacheCounts.add,
    catalogLocal: new Counter({
      name: 'storefront_catalog_local_cache_total',
      help: 'In-process catalog cache lookups (hit: served from this process; miss: went to Redis/Postgres)',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        localCounts.flush(this);
      },
    }),
    /** Counts one in-process catalog lookup (storefront_catalog_local_cache_total). */
    countCatalogLocal: localCounts.add,
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
