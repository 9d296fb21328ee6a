import { type RequestHandler, Router } from 'express';
import type { Registry } from 'prom-client';

/** What /readyz asks about the dependencies (data/health-checks.ts answers it). */
export interface DependencyChecks {
  postgres: () => Promise<boolean>;
  redis: () => Promise<'up' | 'down' | 'disabled'>;
}

export interface HealthDeps {
  checks: DependencyChecks;
  registry: Registry;
  isDraining: () => boolean;
}

/**
 * /healthz: the process is alive (never touches dependencies, so a database outage does not get
 * pods restarted). Served on both ports: it says nothing an outsider could use.
 */
export const healthz: RequestHandler = (_req, res) => {
  res.set('Cache-Control', 'no-store').json({ status: 'ok' });
};

export function livenessRouter(): Router {
  const router = Router();
  router.get('/healthz', healthz);
  return router;
}

/**
 * The management port only (METRICS_PORT, never routed by the front door): /readyz says whether
 * Postgres answers and we are not draining (Redis down is "degraded", still ready, because every
 * path falls back to Postgres); /metrics is the Prometheus text format. Both describe the
 * internals (dependency state, routes, traffic), so the public port answers 404 for them.
 */
export function opsRouter(deps: HealthDeps): Router {
  const router = livenessRouter();
  router.get('/readyz', async (_req, res) => {
    const [postgres, redis] = await Promise.all([deps.checks.postgres(), deps.checks.redis()]);
    const draining = deps.isDraining();
    const ready = postgres && !draining;
    const status = draining
      ? 'draining'
      : !postgres
        ? 'unavailable'
        : redis === 'down'
          ? 'degraded'
          : 'ready';
    res
      .status(ready ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status, postgres: postgres ? 'up' : 'down', redis });
  });
  router.get('/metrics', async (_req, res) => {
    res
      .set('Cache-Control', 'no-store')
      .type(deps.registry.contentType)
      .send(await deps.registry.metrics());
  });
  return router;
}
