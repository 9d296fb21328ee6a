import type { CartView } from '../domain/carts.ts';
import type { Product } from '../domain/catalog.ts';
import type { OrderResponse, Quote } from '../domain/checkout.ts';
import type { AssetManifest } from '../server/static-assets.ts';
import { formatMoney, html, raw, type SafeHtml } from './html.ts';

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
<footer class="site-footer">Storefront reference shop · a demonstration: no payment is taken and nothing ships · prices exclude tax and shipping, both shown at checkout</footer>
</body>
</html>
`.value;
}

function stockBadge(stock: number): SafeHtml {
  if (stock === 0) return html`<span class="badge out">Sold out</span>`;
  if (stock < 10) return html`<span class="badge low">Only ${stock} left</span>`;
  return html`<span class="badge in">In stock</span>`;
}

/** `decorative`: the product's name is right beside it (alt text would repeat it for screen readers). */
function image(
  product: { imageUrl: string | null; name: string },
  size: number,
  decorative = false,
): SafeHtml {
  return product.imageUrl
    ? html`<img src="${product.imageUrl}" alt="${decorative ? '' : product.name}" width="${size}" height="${size}" loading="lazy">`
    : html`<div class="placeholder" aria-hidden="true"></div>`;
}

export function catalogPage(assets: AssetManifest, products: Product[], nextCursor: string | null): string {
  return page(
    { assets, title: 'Catalog' },
    html`<section class="hero"><h1>Everyday goods, well made</h1><p>Small-batch homeware and desk gear, shipped from our own workshop.</p></section>
<ul class="grid">
${products.map(
  (p) => html`<li class="card">
  <a class="card-link" href="/products/${p.id}">${image(p, 240, true)}<h2>${p.name}</h2></a>
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
<thead><tr><th scope="col">Product</th><th scope="col">Price</th><th scope="col">Qty</th><th scope="col">Total</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
<tbody>
${items.map(
  (i) => html`<tr>
  <td class="line-product">${image(i, 56, true)}<a href="/products/${i.productId}">${i.name}</a></td>
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
<tfoot><tr><th scope="row" colspan="3">Subtotal <span class="muted">(shipping and tax at checkout)</span></th><td class="cart-subtotal">${formatMoney(cart!.totalCents, cart!.currency)}</td><td></td></tr></tfoot>
</table>
<p class="actions"><a class="button secondary" href="/">Keep shopping</a> <a class="button" href="/checkout">Check out</a></p>`,
  );
}

/** What the checkout form holds (re-rendered with the buyer's input after a refusal). */
export interface CheckoutForm {
  email: string;
  name: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  country: string;
  shippingMethod: string;
  idempotencyKey: string;
}

const field = (label: string, name: keyof CheckoutForm, value: string, attrs: SafeHtml, hint?: string) =>
  html`<p class="field"><label for="f-${name}">${label}</label>
  <input id="f-${name}" name="${name}" value="${value}" ${attrs}${hint ? html` aria-describedby="h-${name}"` : ''}>
  ${hint ? html`<small id="h-${name}">${hint}</small>` : ''}</p>`;

export function checkoutPage(
  assets: AssetManifest,
  cart: CartView,
  quote: Quote,
  form: CheckoutForm,
  error?: string,
): string {
  const money = (cents: number) => formatMoney(cents, cart.currency);
  const taxPercent = (quote.taxRateBasisPoints / 100).toString();
  return page(
    { assets, title: 'Checkout', error },
    html`<h1>Checkout</h1>
<div class="checkout">
<form method="post" action="/checkout" class="checkout-form">
  <input type="hidden" name="idempotencyKey" value="${form.idempotencyKey}">
  <fieldset><legend>Contact</legend>
  ${field('Email', 'email', form.email, raw('type="email" required maxlength="254" autocomplete="email"'), 'Used only if there is a question about this order. No e-mail is sent.')}
  </fieldset>
  <fieldset><legend>Shipping address</legend>
  ${field('Full name', 'name', form.name, raw('type="text" required maxlength="100" autocomplete="name"'))}
  ${field('Address', 'line1', form.line1, raw('type="text" required maxlength="100" autocomplete="address-line1"'))}
  ${field('Apartment, suite (optional)', 'line2', form.line2, raw('type="text" maxlength="100" autocomplete="address-line2"'))}
  ${field('City', 'city', form.city, raw('type="text" required maxlength="60" autocomplete="address-level2"'))}
  ${field('Postal code', 'postalCode', form.postalCode, raw('type="text" required maxlength="15" autocomplete="postal-code"'))}
  ${field('Country code', 'country', form.country, raw('type="text" required maxlength="2" pattern="[A-Za-z]{2}" autocomplete="country"'), 'Two letters, e.g. US, CA, GB.')}
  </fieldset>
  <fieldset class="shipping-methods"><legend>Shipping method</legend>
  ${quote.options.map(
    (
      o,
    ) => html`<p class="radio"><input type="radio" id="m-${o.rate.id}" name="shippingMethod" value="${o.rate.id}"${o.rate.id === form.shippingMethod ? raw(' checked') : ''} required>
    <label for="m-${o.rate.id}">${o.rate.label} · ${money(o.rate.cents)} <span class="muted">(order total ${money(o.totalCents)})</span></label></p>`,
  )}
  </fieldset>
  <p class="muted">This shop is a demonstration: placing the order takes no payment.</p>
  <button type="submit">Place order</button>
</form>
<aside class="summary" aria-labelledby="summary-title"><h2 id="summary-title">Order summary</h2><ul>
${cart.items.map((i) => html`<li><span>${i.quantity} × ${i.name}</span><span>${money(i.lineTotalCents)}</span></li>`)}
</ul>
<dl class="totals">
<div><dt>Subtotal</dt><dd class="subtotal">${money(quote.subtotalCents)}</dd></div>
<div><dt>Tax (${taxPercent} %)</dt><dd class="tax">${money(quote.taxCents)}</dd></div>
<div><dt>Shipping</dt><dd>by method, see the form</dd></div>
</dl></aside>
</div>`,
  );
}

export function orderPage(assets: AssetManifest, order: OrderResponse): string {
  const money = (cents: number) => formatMoney(cents, order.currency);
  const a = order.shipping?.address;
  return page(
    { assets, title: `Order ${order.number}` },
    html`<section class="confirmation">
<h1>Order ${order.number} is placed</h1>
<p>This page is your record of the order: keep its address (it is private to you; anyone with the link can see it). <strong>No e-mail has been sent</strong>${order.email ? html`; we have <strong>${order.email}</strong> in case of a question` : ''}. This shop is a demonstration: no payment was taken and nothing will ship.</p>
<table class="lines">
<caption class="visually-hidden">Items in order ${order.number}</caption>
<thead><tr><th scope="col">Product</th><th scope="col">Price</th><th scope="col">Qty</th><th scope="col">Total</th></tr></thead>
<tbody>
${order.items.map(
  (i) =>
    html`<tr><td>${i.name}</td><td>${money(i.unitPriceCents)}</td><td>${i.quantity}</td><td>${money(i.unitPriceCents * i.quantity)}</td></tr>`,
)}
</tbody>
<tfoot>
<tr><th scope="row" colspan="3">Subtotal</th><td class="order-subtotal">${money(order.subtotalCents)}</td></tr>
<tr><th scope="row" colspan="3">Shipping${order.shipping ? html` · ${order.shipping.label}` : ''}</th><td class="order-shipping">${money(order.shippingCents)}</td></tr>
<tr><th scope="row" colspan="3">Tax</th><td class="order-tax">${money(order.taxCents)}</td></tr>
<tr><th scope="row" colspan="3">Total</th><td class="order-total">${money(order.totalCents)}</td></tr>
</tfoot>
</table>
${
  a
    ? html`<h2>Ships to</h2><address class="ship-to">${a.name}<br>${a.line1}<br>${a.line2 ? html`${a.line2}<br>` : ''}${a.postalCode} ${a.city}<br>${a.country}</address>`
    : ''
}
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
