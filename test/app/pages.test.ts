import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/src/config/config.ts';
import { seedCatalog } from '../../app/src/seed.ts';
import { createLogger } from '../../app/src/server/logger.ts';
import { startWebServer } from '../../app/src/server/server.ts';
import { startShop, type TestShop } from './support/shop.ts';

let shop: TestShop;
let ids: number[];

beforeAll(async () => {
  shop = await startShop();
  ids = await seedCatalog(shop.server.services.products);
});
afterAll(async () => {
  await shop?.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(shop.url + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: form(fields),
  });
}

describe('pages and static assets', () => {
  it('when the catalog page is fetched, then it is HTML with no-cache, security headers and fingerprinted assets', async () => {
    const res = await fetch(`${shop.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'none'/);
    expect(res.headers.get('content-security-policy')).toMatch(/form-action 'self'/);
    expect(res.headers.get('x-powered-by')).toBeNull();
    const html = await res.text();
    expect(html).toContain('Stoneware Mug');
    expect(html.match(/<li class="card">/g)).toHaveLength(12);
    const css = /href="(\/static\/css\/shop\.[0-9a-f]{16}\.css)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const asset = await fetch(shop.url + css!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/text\/css/);
    const etag = asset.headers.get('etag')!;
    expect((await fetch(shop.url + css!, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await fetch(`${shop.url}/static/css/shop.css`)).status).toBe(404);
    expect((await fetch(`${shop.url}/static/css/shop.0000000000000000.css`)).status).toBe(404);
  });

  it('when product data contains markup, then pages escape it', async () => {
    const created = await shop.admin('/api/products', 'POST', {
      sku: 'XSS-1',
      name: '<script>alert("x")</script>',
      description: '<img src=x onerror=alert(1)> & "quotes"',
      priceCents: 100,
      stock: 1,
    });
    const html = await (await fetch(`${shop.url}/products/${created.body.id}`)).text();
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
  });

  it('when a shopper adds to cart and checks out with plain form posts, then the order is placed once even if the form is submitted twice', async () => {
    const add = await post('/cart/items', { productId: String(ids[0]), quantity: '2' });
    expect(add.status).toBe(303);
    expect(add.headers.get('location')).toBe('/cart');
    const cookie = add.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^sf_cart=[0-9a-f-]{36}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    const jar = cookie.split(';')[0]!;
    const add2 = await post('/cart/items', { productId: String(ids[1]), quantity: '1' }, { cookie: jar });
    expect(add2.status).toBe(303);
    expect(add2.headers.get('set-cookie')).toBeNull(); // same cart

    const cartPage = await fetch(`${shop.url}/cart`, { headers: { cookie: jar } });
    expect(cartPage.headers.get('cache-control')).toBe('private, no-cache');
    const cartHtml = await cartPage.text();
    expect(cartHtml).toContain('Stoneware Mug');
    expect(cartHtml).toContain('$65.00'); // 2 × 18.00 + 29.00

    const checkout = await (await fetch(`${shop.url}/checkout`, { headers: { cookie: jar } })).text();
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(checkout)![1]!;
    const address = {
      name: 'Sam Shopper',
      line1: '5 Main Street',
      city: 'Springfield',
      postalCode: '12345',
      country: 'us',
      shippingMethod: 'standard',
    };
    const bad = await post('/checkout', { ...address, email: 'nope', idempotencyKey: key }, { cookie: jar });
    expect(bad.status).toBe(400);
    const badHtml = await bad.text();
    expect(badHtml).toContain('valid email');
    expect(badHtml).toContain('value="Sam Shopper"'); // what was typed stays
    const noCity = await post(
      '/checkout',
      { ...address, city: '', email: 'shopper@example.com', idempotencyKey: key },
      { cookie: jar },
    );
    expect(noCity.status).toBe(400);
    expect(await noCity.text()).toContain('Please enter the city.');
    const [first, second] = await Promise.all([
      post('/checkout', { ...address, email: 'shopper@example.com', idempotencyKey: key }, { cookie: jar }),
      post('/checkout', { ...address, email: 'shopper@example.com', idempotencyKey: key }, { cookie: jar }),
    ]);
    expect(first.status).toBe(303);
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(first.headers.get('set-cookie')).toMatch(/sf_cart=; .*Max-Age=0/);
    const confirmation = await (await fetch(shop.url + first.headers.get('location')!)).text();
    expect(confirmation).toMatch(/Order \d+ is placed/);
    expect(confirmation).toContain('shopper@example.com');
    expect(confirmation).toContain('No e-mail has been sent');
    expect(confirmation).toContain('$65.00'); // subtotal
    expect(confirmation).toContain('$69.95'); // + standard shipping 4.95, tax 0 by default
    const { rows } = await shop.server.services.pool.query(
      "SELECT count(*)::int AS n FROM orders WHERE email = 'shopper@example.com'",
    );
    expect(rows[0].n).toBe(1);
  });

  it('when a form post comes from another site, then it is refused', async () => {
    const fields = { productId: String(ids[0]), quantity: '1' };
    expect((await post('/cart/items', fields, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await post('/cart/items', fields, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(
      (
        await post(
          '/checkout',
          { email: 'a@example.com', idempotencyKey: 'x' },
          { 'sec-fetch-site': 'same-site' },
        )
      ).status,
    ).toBe(403);
    expect(
      (await post('/cart/items', fields, { origin: shop.url, 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(303);
  });

  it('when pages get bad ids, then they answer 4xx HTML pages, not 500s', async () => {
    for (const path of [
      '/products/abc',
      '/products/99999',
      '/orders/nope',
      '/orders/00000000-0000-4000-8000-000000000000',
      '/nowhere',
    ]) {
      const res = await fetch(shop.url + path, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
    expect((await post('/cart/items', { productId: 'x', quantity: '1' })).status).toBe(400);
    expect((await post('/cart/items', { productId: String(ids[0]), quantity: '-1' })).status).toBe(400);
  });

  it('when ASSET_BASE_URL is set, then pages and the API reference assets through it and the CSP allows it', async () => {
    const server = await startWebServer(
      loadConfig({
        PORT: '0',
        METRICS_PORT: '0',
        DATABASE_URL: shop.pg.url,
        ASSET_BASE_URL: 'https://cdn.example.com/',
        STATIC_MAX_AGE_SECONDS: '600',
        LOG_LEVEL: 'silent',
      }),
      { logger: createLogger('silent') },
    );
    try {
      const res = await fetch(`${server.url}/`);
      const html = await res.text();
      expect(html).toMatch(/href="https:\/\/cdn\.example\.com\/static\/css\/shop\.[0-9a-f]{16}\.css"/);
      expect(html).toMatch(/src="https:\/\/cdn\.example\.com\/static\/img\/mug\.[0-9a-f]{16}\.svg"/);
      expect(res.headers.get('content-security-policy')).toContain('https://cdn.example.com');
      const api = (await (await fetch(`${server.url}/api/products/${ids[0]}`)).json()) as {
        imageUrl: string;
      };
      expect(api.imageUrl).toMatch(/^https:\/\/cdn\.example\.com\/static\/img\/mug\.[0-9a-f]{16}\.svg$/);
      const asset = /https:\/\/cdn\.example\.com(\/static\/[^"]+\.css)/.exec(html)![1]!;
      const origin = await fetch(server.url + asset); // the CDN pulls from the app
      expect(origin.headers.get('cache-control')).toBe('public, max-age=600, immutable');
    } finally {
      await server.stop();
    }
  });

  it('when /metrics is scraped on the management port, then it has request histograms by route and cache counters', async () => {
    await fetch(`${shop.url}/api/products`);
    const text = (await shop.ops('/metrics')).text;
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/products",status_code="200"\} \d+/,
    );
    expect(text).toContain('storefront_cache_requests_total');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect((await shop.ops('/readyz')).body).toMatchObject({ status: 'ready', postgres: 'up' });
  });

  it('when the public port is asked for /metrics or /readyz, then it answers 404 (the internals stay on the management port)', async () => {
    for (const path of ['/metrics', '/readyz']) {
      const res = await fetch(shop.url + path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).not.toMatch(/process_cpu|postgres/);
    }
    expect((await fetch(`${shop.url}/healthz`)).status).toBe(200);
    expect((await shop.ops('/api/products')).status).toBe(404);
  });

  it("when any page is served, then the app sends no Strict-Transport-Security (HSTS is the front door's, and can be off)", async () => {
    for (const path of ['/', '/api/products', '/cart', '/nowhere']) {
      const res = await fetch(shop.url + path);
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
  });

  it('when the sf_cart cookie is not valid percent-encoding, then pages treat it as no cart (not a 500)', async () => {
    for (const cookie of ['sf_cart=%E0%A4%A', 'sf_cart=%', 'sf_cart=%zz; other=1']) {
      const cart = await fetch(`${shop.url}/cart`, { headers: { cookie } });
      expect(cart.status, cookie).toBe(200);
      expect(await cart.text()).toContain('Your cart is empty');
      const add = await post('/cart/items', { productId: String(ids[0]), quantity: '1' }, { cookie });
      expect(add.status, cookie).toBe(303);
      expect(add.headers.get('set-cookie')).toMatch(/^sf_cart=[0-9a-f-]{36};/);
    }
  });
});
