import type { CartView } from '../domain/carts.ts';
import type { Product } from '../domain/catalog.ts';
import type { OrderResponse } from '../domain/checkout.ts';
import type { AssetManifest } from '../server/static-assets.ts';
import { formatMoney, html, type SafeHtml } from './html.ts';

/** Server-rendered pages: plain HTML forms, no JavaScript needed anywhere. */

export interface Layout {
  assets: AssetManifest;
  title: string;
  notice?: string;
  error?: string;
}

export function page(layout: Layout, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${layout.title} · Storefront</title>
<link rel="stylesheet" href="${layout.assets.url('css/shop.css')}">
<link rel="icon" href="${layout.assets.url('img/favicon.svg')}" type="image/svg+xml">
</head>
<body>
<header class="site-header">
  <a class="brand" href="/"><img src="${layout.assets.url('img/favicon.svg')}" alt="" width="28" height="28"> Storefront</a>
  <nav><a href="/">Catalog</a><a href="/cart" class="cart-link">Cart</a></nav>
</header>
<main>
${layout.notice ? html`<p class="notice" role="status">${layout.notice}</p>` : ''}
${layout.error ? html`<p class="error" role="alert">${layout.error}</p>` : ''}
${body}
</main>
<footer class="site-footer">Storefront reference shop · prices include tax · free returns within 30 days</footer>
</body>
</html>
`.value;
}

function stockBadge(stock: number): SafeHtml {
  if (stock === 0) return html`<span class="badge out">Sold out</span>`;
  if (stock < 10) return html`<span class="badge low">Only ${stock} left</span>`;
  return html`<span class="badge in">In stock</span>`;
}

function image(product: { imageUrl: string | null; name: string }, size: number): SafeHtml {
  return product.imageUrl
    ? html`<img src="${product.imageUrl}" alt="${product.name}" width="${size}" height="${size}" loading="lazy">`
    : html`<div class="placeholder" aria-hidden="true"></div>`;
}

export function catalogPage(assets: AssetManifest, products: Product[], nextCursor: string | null): string {
  return page(
    { assets, title: 'Catalog' },
    html`<section class="hero"><h1>Everyday goods, well made</h1><p>Small-batch homeware and desk gear, shipped from our own workshop.</p></section>
<ul class="grid">
${products.map(
  (p) => html`<li class="card">
  <a class="card-link" href="/products/${p.id}">${image(p, 240)}<h2>${p.name}</h2></a>
  <p class="price">${formatMoney(p.priceCents, p.currency)}</p>
  ${stockBadge(p.stock)}
</li>`,
)}
</ul>
${nextCursor ? html`<p class="more"><a class="button secondary" href="/?cursor=${nextCursor}">More products</a></p>` : ''}
${products.length === 0 ? html`<p>No products yet.</p>` : ''}`,
  );
}

export function productPage(assets: AssetManifest, p: Product): string {
  return page(
    { assets, title: p.name },
    html`<article class="product">
  <div class="product-image">${image(p, 480)}</div>
  <div class="product-info">
    <h1>${p.name}</h1>
    <p class="sku">SKU ${p.sku}</p>
    <p class="price big">${formatMoney(p.priceCents, p.currency)}</p>
    ${stockBadge(p.stock)}
    <p class="description">${p.description}</p>
    ${
      p.stock > 0
        ? html`<form method="post" action="/cart/items" class="add-to-cart">
      <input type="hidden" name="productId" value="${p.id}">
      <label>Quantity <input type="number" name="quantity" value="1" min="1" max="${Math.min(99, p.stock)}" required></label>
      <button type="submit">Add to cart</button>
    </form>`
        : html`<p>This item is sold out.</p>`
    }
  </div>
</article>`,
  );
}

export function cartPage(assets: AssetManifest, cart: CartView | undefined, notice?: string): string {
  const items = cart?.items ?? [];
  return page(
    { assets, title: 'Your cart', notice },
    items.length === 0
      ? html`<h1>Your cart</h1><p>Your cart is empty. <a href="/">Browse the catalog</a>.</p>`
      : html`<h1>Your cart</h1>
<table class="lines">
<thead><tr><th>Product</th><th>Price</th><th>Qty</th><th>Total</th><th></th></tr></thead>
<tbody>
${items.map(
  (i) => html`<tr>
  <td class="line-product">${image(i, 56)}<a href="/products/${i.productId}">${i.name}</a></td>
  <td>${formatMoney(i.unitPriceCents, i.currency)}</td>
  <td><form method="post" action="/cart/items/${i.productId}" class="qty-form">
    <label><span class="visually-hidden">Quantity of ${i.name}</span><input type="number" name="quantity" value="${i.quantity}" min="0" max="99" inputmode="numeric" required></label>
    <button class="secondary small" type="submit" aria-label="Update quantity of ${i.name}">Update</button>
  </form></td>
  <td>${formatMoney(i.lineTotalCents, i.currency)}</td>
  <td><form method="post" action="/cart/items/${i.productId}/delete"><button class="link" type="submit" aria-label="Remove ${i.name}">Remove</button></form></td>
</tr>`,
)}
</tbody>
<tfoot><tr><th colspan="3">Total</th><th>${formatMoney(cart!.totalCents, cart!.currency)}</th><th></th></tr></tfoot>
</table>
<p class="actions"><a class="button secondary" href="/">Keep shopping</a> <a class="button" href="/checkout">Check out</a></p>`,
  );
}

export function checkoutPage(
  assets: AssetManifest,
  cart: CartView,
  form: { email: string; idempotencyKey: string },
  error?: string,
): string {
  return page(
    { assets, title: 'Checkout', error },
    html`<h1>Checkout</h1>
<div class="checkout">
<form method="post" action="/checkout" class="checkout-form">
  <input type="hidden" name="idempotencyKey" value="${form.idempotencyKey}">
  <label>Email for the receipt <input type="email" name="email" value="${form.email}" required maxlength="254" autocomplete="email"></label>
  <button type="submit">Place order · ${formatMoney(cart.totalCents, cart.currency)}</button>
</form>
<aside class="summary"><h2>Order summary</h2><ul>
${cart.items.map((i) => html`<li><span>${i.quantity} × ${i.name}</span><span>${formatMoney(i.lineTotalCents, i.currency)}</span></li>`)}
</ul><p class="total"><span>Total</span><span>${formatMoney(cart.totalCents, cart.currency)}</span></p></aside>
</div>`,
  );
}

export function orderPage(assets: AssetManifest, order: OrderResponse): string {
  return page(
    { assets, title: 'Order confirmed' },
    html`<section class="confirmation">
<h1>Thank you! Your order is confirmed.</h1>
<p>Order <code>${order.id}</code>${order.email ? html` · a receipt goes to <strong>${order.email}</strong>` : ''}</p>
<table class="lines">
<thead><tr><th>Product</th><th>Price</th><th>Qty</th><th>Total</th></tr></thead>
<tbody>
${order.items.map(
  (i) =>
    html`<tr><td>${i.name}</td><td>${formatMoney(i.unitPriceCents, order.currency)}</td><td>${i.quantity}</td><td>${formatMoney(i.unitPriceCents * i.quantity, order.currency)}</td></tr>`,
)}
</tbody>
<tfoot><tr><th colspan="3">Total</th><th class="order-total">${formatMoney(order.totalCents, order.currency)}</th></tr></tfoot>
</table>
<p><a class="button" href="/">Continue shopping</a></p>
</section>`,
  );
}

export function errorPage(assets: AssetManifest, status: number, message: string): string {
  const title = status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'That did not work';
  return page(
    { assets, title },
    html`<h1>${title}</h1><p>${message}</p><p><a href="/">Back to the catalog</a></p>`,
  );
}
