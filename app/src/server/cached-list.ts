import type { RequestHandler } from 'express';
import type { CachedBody, Catalog } from '../domain/catalog.ts';
import { matchesEtag } from '../routes/api.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { HistogramSeries } from './request-histogram.ts';

/** The route label the list has on the general path (routes/api.ts mounted at /api). */
const ROUTE = '/api/products';

/**
 * `GET /api/products` (no query) answered from this process's catalog copy before the middleware
 * stack: it is the shop's hottest read, and on the general path the routing, the async handler and
 * a dozen setHeader calls cost more than the answer itself. It sends the same bytes as the general
 * path (routes/api.ts sendCached after the security headers) — the same headers in the same order,
 * same body, same 200/304 — and records the same request metric and log line. Anything else (a
 * query, HEAD, a copy this replica may not serve now, a draining server) goes the general way,
 * which reads, counts and fills as usual.
 */
export function cachedListFastPath(options: {
  catalog: Catalog;
  /** The security headers every answer carries, in the order the general path sets them. */
  securityHeaders: readonly (readonly [string, string])[];
  metrics: Metrics;
  logger: Logger;
  isDraining: () => boolean;
}): RequestHandler {
  const { catalog, metrics, logger, isDraining } = options;
  const security = options.securityHeaders.flat();
  // The header blocks of the body last served; the list changes only on a catalog write.
  let last: CachedBody | undefined;
  let ok: string[] = [];
  let notModified: string[] = [];
  // Bound at the first answer of each status, so /metrics shows the series only once it has counts.
  const durations = new Map<number, HistogramSeries>();
  return (req, res, next) => {
    if (req.method !== 'GET' || req.url !== ROUTE || isDraining()) return next();
    const start = performance.now();
    const cached = catalog.cachedFirstPage();
    if (!cached) return next();
    if (cached !== last) {
      last = cached;
      notModified = [...security, 'Cache-Control', 'no-cache', 'ETag', cached.etag];
      ok = [
        ...notModified,
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(cached.body.length),
      ];
    }
    if (matchesEtag(req.headers['if-none-match'], cached.etag)) {
      res.writeHead(304, notModified).end();
    } else {
      res.writeHead(200, ok).end(cached.body);
    }
    // Measured to the hand-over to the socket (the general path waits for 'finish', a few µs later);
    // a listener per request is what this path exists to avoid.
    const seconds = (performance.now() - start) / 1e3;
    const status = res.statusCode;
    let series = durations.get(status);
    if (!series) {
      series = metrics.httpDuration.series({ method: 'GET', route: ROUTE, status_code: status });
      durations.set(status, series);
    }
    series.observe(seconds);
    if (logger.isLevelEnabled('info')) {
      logger.info(
        { method: 'GET', route: ROUTE, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 },
        'request',
      );
    }
  };
}
