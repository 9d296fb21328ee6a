import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShop, type TestShop } from './support/shop.ts';

const SHOTS = fileURLToPath(new URL('../../test-results/app/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
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
  // The demo catalog as a fresh deploy with spec.app.demoCatalog gets it; checkout settings from the environment.
  shop = await startShop({ env: { DEMO_CATALOG: 'true', TAX_RATE_PERCENT: '8.25' } });
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  mkdirSync(SHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await shop?.close();
});

interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * axe-core (WCAG 2.1 A/AA and best practices: labels, headings, contrast, landmarks) on what the
 * shopper sees. The shop's CSP forbids scripts and the walk runs without JavaScript, so the check
 * loads the same URL, with the same cookies, in a second context that may run axe.
 */
async function accessibilityViolations(walk: BrowserContext, url: string): Promise<string[]> {
  const audit = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  try {
    await audit.addCookies(await walk.cookies());
    const page = await audit.newPage();
    await page.goto(url);
    await page.evaluate(AXE_SOURCE);
    const violations = (await page.evaluate(
      `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }).then((r) => r.violations)`,
    )) as AxeViolation[];
    return violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  } finally {
    await audit.close();
  }
}

async function checked(context: BrowserContext, page: Page, shot: string) {
  await page.screenshot({ path: `${SHOTS}${shot}.png`, fullPage: true });
  expect(await accessibilityViolations(context, page.url()), `${shot}: ${page.url()}`).toEqual([]);
}

describe('the shop in a real browser (JavaScript disabled)', () => {
  it('when a shopper walks home → product → cart (changes a quantity) → checkout → order page, then every page works without JavaScript, passes axe, and the order shows server-side totals', async () => {
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
    await checked(context, page, 'home');

    await page.getByRole('link', { name: 'Desk Lamp' }).click();
    // Wait for the navigation itself (Playwright's 30 s), not a 1 s poll: the machine may be slow.
    await page.waitForURL(/\/products\/\d+$/);
    expect(await page.locator('h1').textContent()).toBe('Desk Lamp');
    await checked(context, page, 'product');
    await page.getByLabel('Quantity').fill('2');
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL(`${shop.url}/cart`);
    expect(await page.locator('table.lines tbody tr').count()).toBe(1);
    expect(await page.locator('.cart-subtotal').textContent()).toBe('$178.00');

    await page.getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('link', { name: 'Stoneware Mug' }).click();
    await page.getByRole('button', { name: 'Add to cart' }).click();
    await page.waitForURL(`${shop.url}/cart`);
    expect(await page.locator('table.lines tbody tr').count()).toBe(2);
    // Change the lamp's quantity from 2 to 3 with the line's own form.
    await page.getByLabel('Quantity of Desk Lamp', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Update quantity of Desk Lamp' }).click();
    await page.waitForURL(`${shop.url}/cart`);
    expect(await page.getByLabel('Quantity of Desk Lamp', { exact: true }).inputValue()).toBe('3');
    expect(await page.locator('.cart-subtotal').textContent()).toBe('$285.00'); // 3 × 89 + 18
    await checked(context, page, 'cart');

    await page.getByRole('link', { name: 'Check out' }).click();
    await page.waitForURL(`${shop.url}/checkout`);
    expect(await page.locator('.tax').textContent()).toBe('$23.51'); // 8.25 % of 285.00 = 23.5125
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByLabel('Address', { exact: true }).fill('12 St James’s Square');
    await page.getByLabel('City').fill('London');
    await page.getByLabel('Postal code').fill('SW1Y 4JH');
    await page.getByLabel('Country code').fill('GB');
    await page.getByLabel(/Express delivery/).check();
    await checked(context, page, 'checkout');
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    expect(await page.locator('h1').textContent()).toMatch(/^Order \d+ is placed$/);
    expect(await page.locator('.order-subtotal').textContent()).toBe('$285.00');
    expect(await page.locator('.order-shipping').textContent()).toBe('$14.95');
    expect(await page.locator('.order-tax').textContent()).toBe('$23.51');
    expect(await page.locator('.order-total').textContent()).toBe('$323.46');
    const main = (await page.locator('main').textContent()) ?? '';
    expect(main).toContain('No e-mail has been sent');
    expect(main).not.toMatch(/receipt (goes|is sent|was sent)/i);
    expect(await page.locator('.ship-to').textContent()).toContain('Ada Lovelace');
    await checked(context, page, 'confirmation');

    // The cart cookie is HttpOnly and was cleared after the order.
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.name === 'sf_cart')).toEqual([]);
    await page.goto(`${shop.url}/cart`);
    expect(await page.locator('main').textContent()).toContain('Your cart is empty');

    expect(failed).toEqual([]);
    const stock = await shop.api('/api/products?limit=100');
    const lamp = stock.body.items.find((p: { sku: string }) => p.sku === 'LAMP-DESK');
    expect(lamp.stock).toBe(22);
    await context.close();
  });
});
