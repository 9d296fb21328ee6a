// The operator's HTTP endpoints for the kubelet and Prometheus: /healthz (liveness: the process
// answers and no informer has stalled), /readyz (informers synced), /metrics.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperatorMetrics } from './metrics.ts';

/** A named check: true when healthy, otherwise a short reason. */
export interface HealthCheck {
  name: string;
  check: () => true | string | Promise<true | string>;
}

export interface HealthServerOptions {
  /** 0 picks a free port (tests). @default 8081 */
  port?: number;
  /** @default '0.0.0.0' */
  host?: string;
  liveness?: HealthCheck[];
  readiness?: HealthCheck[];
  metrics?: OperatorMetrics;
}

/** What the checks need from an informer (any Informer<T> fits). */
export interface WatchedCache {
  readonly kind: string;
  isStalled(): boolean;
  hasSynced(): boolean;
}

export interface HealthServer {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Liveness: fails when an informer's supervising loop has gone silent. */
export function informersNotStalled(informers: () => readonly WatchedCache[]): HealthCheck {
  return {
    name: 'informers',
    check: () => {
      const stalled = informers().filter((i) => i.isStalled());
      return stalled.length === 0 ? true : `stalled: ${stalled.map((i) => i.kind).join(', ')}`;
    },
  };
}

/** Readiness: passes once every informer has its first list. */
export function informersSynced(informers: () => readonly WatchedCache[]): HealthCheck {
  return {
    name: 'informers-synced',
    check: () => {
      const pending = informers().filter((i) => !i.hasSynced());
      return pending.length === 0 ? true : `not synced: ${pending.map((i) => i.kind).join(', ')}`;
    },
  };
}

async function runChecks(checks: readonly HealthCheck[]): Promise<{ ok: boolean; body: string }> {
  const lines: string[] = [];
  let ok = true;
  for (const c of checks) {
    let result: true | string;
    try {
      result = await c.check();
    } catch (err) {
      result = err instanceof Error ? err.message : String(err);
    }
    if (result === true) lines.push(`[+]${c.name} ok`);
    else {
      ok = false;
      lines.push(`[-]${c.name} failed: ${result}`);
    }
  }
  lines.push(ok ? 'ok' : 'failed');
  return { ok, body: `${lines.join('\n')}\n` };
}

export function startHealthServer(options: HealthServerOptions = {}): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    const handle = async () => {
      if (path === '/healthz' || path === '/livez') {
        const r = await runChecks([{ name: 'ping', check: () => true }, ...(options.liveness ?? [])]);
        return reply(r.ok ? 200 : 503, r.body);
      }
      if (path === '/readyz') {
        const r = await runChecks([{ name: 'ping', check: () => true }, ...(options.readiness ?? [])]);
        return reply(r.ok ? 200 : 503, r.body);
      }
      if (path === '/metrics' && options.metrics) {
        return reply(200, await options.metrics.text(), options.metrics.contentType());
      }
      return reply(404, 'not found\n');
    };
    handle().catch((err: unknown) => reply(500, `${err instanceof Error ? err.message : String(err)}\n`));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8081, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
      resolve({
        port,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
