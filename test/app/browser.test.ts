import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCatalog } from '../../app/src/seed.ts';
import { startShop, type TestShop } from './support/shop.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/app/', import.meta.url));
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let shop: TestShop;
let browser: Browser;

beforeAll(async () => {
  shop = await startShop();
  await seedCatalog(shop.server.services.products);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await shop?.close();
});

describe('the shop in a real browser (JavaScript disabled)', () => {
  it('when a shopper browses, adds to cart and checks out, then they see the order confirmation', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const failed: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });

    await page.goto(shop.url);
    expect(await page.title()).toBe('Catalog · Storefront');
    expect(await page.locator('li.card').count()).toBe(12);
    // Every product image and the stylesheet really loaded.
    const images = await page
      .locator('li.card img')
      .evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth));
    expect(images.every((w) => w > 0)).toBe(true);
    await page.screenshot({ path: `${SHOTS}catalog.png`, fullPage: true });

    await page.getByRole('link', { name: 'Desk Lamp' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Desk Lamp');
    await page.screenshot({ path: `${SHOTS}product.png`, fullPage: true });
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL(`${shop.url}/cart`);
    expect(await page.locator('table.lines tbody tr').count()).toBe(1);
    expect(await page.locator('tfoot').textContent()).toContain('$178.00');

    await page.getByRole('link', { name: 'Keep shopping' }).click();
    await page.getByRole('link', { name: 'Stoneware Mug' }).click();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL(`${shop.url}/cart`);
    expect(await page.locator('table.lines tbody tr').count()).toBe(2);
    await page.screenshot({ path: `${SHOTS}cart.png`, fullPage: true });

    await page.getByRole('link', { name: 'Check out' }).click();
    await page.waitForURL(`${shop.url}/checkout`);
    await page.getByLabel('Email for the receipt').fill('ada@example.com');
    await page.screenshot({ path: `${SHOTS}checkout.png`, fullPage: true });
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    expect(await page.locator('h1').textContent()).toBe('Thank you! Your order is confirmed.');
    expect(await page.locator('.order-total').textContent()).toBe('$196.00');
    expect(await page.locator('main').textContent()).toContain('ada@example.com');
    await page.screenshot({ path: `${SHOTS}confirmation.png`, fullPage: true });

    // The cart cookie is HttpOnly and was cleared after the order.
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.name === 'sf_cart')).toEqual([]);
    await page.goto(`${shop.url}/cart`);
    expect(await page.locator('main').textContent()).toContain('Your cart is empty');

    expect(failed).toEqual([]);
    const stock = await shop.api('/api/products?limit=100');
    const lamp = stock.body.items.find((p: { sku: string }) => p.sku === 'LAMP-DESK');
    expect(lamp.stock).toBe(23);
    await context.close();
  });
});
