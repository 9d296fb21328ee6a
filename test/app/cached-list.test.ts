import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedListFastPath } from '../../app/src/server/cached-list.ts';
import { recordSecurityHeaders } from '../../app/src/server/server.ts';
import { waitFor } from './support/ports.ts';
import { useShop } from './support/shop.ts';

const shop = useShop();

/** What the fast path answered with when it stepped aside (the shop's general path never sends it). */
const STEPPED_ASIDE = 599;

interface Raw {
  status: number;
  /** Header lines as they came off the wire, in order, without Date (it differs by the second). */
  headers: string[];
  body: string;
}

function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<Raw>((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2)
          if (res.rawHeaders[i] !== 'Date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode ?? 0, headers: lines, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

// The fast path alone, built from the running shop's services as createApp builds it, on its own
// server: what it answers is its own doing, and STEPPED_ASIDE shows when it left a request alone.
let fastOnly: Server;
let fastUrl: string;
let draining = false;
beforeAll(async () => {
  const { services } = shop.server;
  const fast = cachedListFastPath({
    catalog: services.catalog,
    securityHeaders: recordSecurityHeaders(shop.config),
    metrics: services.metrics,
    logger: services.logger,
    isDraining: () => draining,
  });
  fastOnly = createServer((req, res) =>
    fast(req as never, res as never, () => {
      res.statusCode = STEPPED_ASIDE;
      res.end();
    }),
  );
  // Node's own Keep-Alive header names the timeout: the shop's, so that line compares too.
  fastOnly.keepAliveTimeout = shop.server.server.keepAliveTimeout;
  fastOnly.listen(0, '127.0.0.1');
  await once(fastOnly, 'listening');
  fastUrl = `http://127.0.0.1:${(fastOnly.address() as AddressInfo).port}`;
  for (const sku of ['FAST-1', 'FAST-2', 'FAST-3'])
    await shop.createProduct({ sku, priceCents: 1000, stock: 5 });
});
afterAll(async () => {
  fastOnly?.closeAllConnections();
  await new Promise((resolve) => fastOnly?.close(resolve));
});

/** The fast path's answer once the shop holds the first page and trusts it (a poll of Redis away). */
function fastAnswer(headers: Record<string, string> = {}): Promise<Raw> {
  return waitFor('the fast path to serve the first page from memory', async () => {
    await get(shop.url, '/api/products?limit=20'); // the general path reads and keeps the page
    const res = await get(fastUrl, '/api/products', headers);
    return res.status === STEPPED_ASIDE ? undefined : res;
  });
}

describe('the cached product list fast path', () => {
  it('when the first page is in memory, then it sends the general path’s exact headers (security headers included, same order) and body', async () => {
    const fast = await fastAnswer();
    // `?limit=20` is the same page and the same cache entry, but never taken by the fast path.
    const general = await get(shop.url, '/api/products?limit=20');
    expect(fast.status).toBe(200);
    expect(fast.headers).toEqual(general.headers);
    expect(fast.body).toBe(general.body);
    expect(fast.headers).toContain(
      "Content-Security-Policy: default-src 'self';base-uri 'self';form-action 'self';frame-ancestors 'none';object-src 'none';script-src 'none';style-src 'self';img-src 'self' https: data:;font-src 'self'",
    );
    expect(fast.headers).toContain('X-Content-Type-Options: nosniff');
    expect(fast.headers).toContain('Cache-Control: no-cache');
    expect(JSON.parse(fast.body).items.map((p: { sku: string }) => p.sku)).toEqual([
      'FAST-1',
      'FAST-2',
      'FAST-3',
    ]);
    // And the shop's own /api/products (fast path mounted first) sends the same.
    const shopList = await get(shop.url, '/api/products');
    expect(shopList.headers).toEqual(general.headers);
    expect(shopList.body).toBe(general.body);
  });

  it('when the client has the current ETag, then it sends the general path’s exact 304', async () => {
    const etag = /^ETag: (.*)$/m.exec((await fastAnswer()).headers.join('\n'))![1]!;
    const fast = await fastAnswer({ 'if-none-match': `"other", W/${etag}` });
    const general = await get(shop.url, '/api/products?limit=20', { 'if-none-match': `"other", W/${etag}` });
    expect(fast.status).toBe(304);
    expect(general.status).toBe(304);
    expect(fast.headers).toEqual(general.headers);
    expect(fast.body).toBe('');
  });

  it('when a price changes, then the next request is not answered from the old copy, and the new page is served once read', async () => {
    const before = JSON.parse((await fastAnswer()).body);
    const id = before.items[0].id as number;
    const patched = await shop.admin(`/api/products/${id}`, 'PATCH', { priceCents: 1234 });
    expect(patched.status, patched.text).toBe(200);
    // This replica dropped its copies when it wrote: the fast path has nothing to send.
    expect((await get(fastUrl, '/api/products')).status).toBe(STEPPED_ASIDE);
    const after = JSON.parse((await fastAnswer()).body);
    expect(after.items[0].priceCents).toBe(1234);
  });

  it('when it answers, then the request is counted in the request histogram under the list route', async () => {
    const count = async () =>
      (await shop.server.services.metrics.httpDuration.get()).values.find(
        (v) =>
          v.metricName === 'http_request_duration_seconds_count' &&
          v.labels.route === '/api/products' &&
          v.labels.status_code === 200,
      )?.value ?? 0;
    // One request at a time, nothing else reading the list: each moves the count by what it was.
    const seen = await waitFor('a request answered by the fast path', async () => {
      await get(shop.url, '/api/products?limit=20');
      const before = await count();
      const res = await get(fastUrl, '/api/products');
      const delta = (await count()) - before;
      return res.status === STEPPED_ASIDE && delta === 0 ? undefined : { status: res.status, delta };
    });
    expect(seen).toEqual({ status: 200, delta: 1 });
  });

  it('when the request is not a plain GET of the list, or the server is draining, then it steps aside', async () => {
    await fastAnswer();
    expect((await get(fastUrl, '/api/products?limit=20')).status).toBe(STEPPED_ASIDE);
    expect((await get(fastUrl, '/api/products/')).status).toBe(STEPPED_ASIDE);
    expect((await get(fastUrl, '/api/products', {}, 'HEAD')).status).toBe(STEPPED_ASIDE);
    expect((await get(fastUrl, '/api/products', {}, 'POST')).status).toBe(STEPPED_ASIDE);
    draining = true;
    try {
      expect((await get(fastUrl, '/api/products')).status).toBe(STEPPED_ASIDE);
    } finally {
      draining = false;
    }
  });
});
