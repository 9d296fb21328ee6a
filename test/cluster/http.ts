// Minimal HTTPS client for health checks and bootstrap calls with client certificates
// (global fetch cannot present a client certificate without an extra dependency).
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export type Credentials = { ca?: string; cert?: string; key?: string };
export type HttpResponse = { status: number; body: string };

export function httpCall(
  url: string,
  opts: {
    method?: string;
    body?: string;
    contentType?: string;
    creds?: Credentials;
    timeoutMs?: number;
  } = {},
): Promise<HttpResponse> {
  const u = new URL(url);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  const tls =
    u.protocol === 'https:'
      ? {
          ca: opts.creds?.ca ? readFileSync(opts.creds.ca) : undefined,
          cert: opts.creds?.cert ? readFileSync(opts.creds.cert) : undefined,
          key: opts.creds?.key ? readFileSync(opts.creds.key) : undefined,
          // Controller-manager and scheduler serve self-signed certificates made at start-up.
          rejectUnauthorized: opts.creds?.ca !== undefined,
        }
      : {};
  const request = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { method: opts.method ?? 'GET', headers, timeout: opts.timeoutMs ?? 10_000, agent: false, ...tls },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout calling ${url}`)));
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** Polls `check` until it returns a value other than undefined, or throws with `what` on timeout. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; describe?: () => string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const extra = opts.describe?.() ?? '';
      throw new Error(
        `timed out after ${opts.timeoutMs / 1000}s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}${extra ? `\n${extra}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
