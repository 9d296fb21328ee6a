import { randomUUID } from 'node:crypto';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { CART_TTL_SECONDS } from '../domain/cart-rules.ts';
import type { Carts } from '../domain/carts.ts';
import type { Catalog } from '../domain/catalog.ts';
import type { Checkout } from '../domain/checkout.ts';
import { AppError } from '../domain/errors.ts';
import {
  email,
  idempotencyKey,
  parse,
  productIdParam,
  shippingAddress,
  shippingMethod,
  uuid,
} from '../domain/schemas.ts';
import type { AssetManifest } from '../server/static-assets.ts';
import {
  type CheckoutForm,
  cartPage,
  catalogPage,
  checkoutPage,
  orderPage,
  productPage,
} from '../views/pages.ts';

export interface PageDeps {
  catalog: Catalog;
  carts: Carts;
  checkout: Checkout;
  assets: AssetManifest;
}

const CART_COOKIE = 'sf_cart';

/** A cookie's value, or undefined when absent or not valid percent-encoding (anyone can send one). */
export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function cartIdFrom(req: Request): string | undefined {
  const value = readCookie(req, CART_COOKIE);
  return value && uuid.safeParse(value).success ? value : undefined;
}

function setCartCookie(req: Request, res: Response, id: string | null) {
  // HttpOnly: scripts never see it. SameSite=Lax: other sites' forms cannot POST with it.
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${id ? CART_TTL_SECONDS : 0}`];
  if (req.secure) attrs.push('Secure');
  res.append('Set-Cookie', `${CART_COOKIE}=${id ?? ''}; ${attrs.join('; ')}`);
}

/**
 * CSRF defence for form posts, on top of SameSite=Lax: refuse a POST that the browser says came
 * from another site (Sec-Fetch-Site), or whose Origin is not this host. Requests without either
 * header (curl, old browsers) carry no ambient cookie risk worth refusing.
 */
export const sameOriginOnly: RequestHandler = (req, _res, next) => {
  const site = req.get('sec-fetch-site');
  const origin = req.get('origin');
  const host = req.get('x-forwarded-host') ?? req.get('host');
  const crossSite = site !== undefined && site !== 'same-origin' && site !== 'none';
  const foreignOrigin =
    origin !== undefined && origin !== 'null' && (!URL.canParse(origin) || new URL(origin).host !== host);
  if (crossSite || foreignOrigin || origin === 'null') {
    throw new AppError(403, 'cross_site_request', 'cross-site form submissions are not accepted');
  }
  next();
};

const addForm = z.object({
  productId: productIdParam,
  quantity: z
    .string()
    .regex(/^\d{1,2}$/, 'must be an integer between 1 and 99')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1')),
});
/** The cart page's per-line quantity form: 0 removes the line. */
const quantityForm = z.object({
  quantity: z
    .string()
    .trim()
    .regex(/^\d{1,2}$/, 'must be an integer between 0 and 99')
    .transform(Number),
});
const checkoutForm = z.object({
  email,
  idempotencyKey,
  shippingMethod,
  address: shippingAddress,
});

/** Human wording for the first problem of a refused checkout form. */
const CHECKOUT_MESSAGES: Record<string, string> = {
  email: 'Please enter a valid email address.',
  name: 'Please enter the name to ship to.',
  line1: 'Please enter the street address.',
  line2: 'The second address line is too long or has invalid characters.',
  city: 'Please enter the city.',
  postalCode: 'Please enter a postal code (letters, digits, spaces or dashes).',
  country: 'Please enter a two-letter country code, e.g. US.',
  shippingMethod: 'Please choose a shipping method.',
};

/** The posted form as strings, for re-rendering (never trusted: parsed by checkoutForm). */
function formValues(
  body: Record<string, unknown>,
  defaults: Pick<CheckoutForm, 'shippingMethod'>,
): CheckoutForm {
  const text = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  return {
    email: text('email'),
    name: text('name'),
    line1: text('line1'),
    line2: text('line2'),
    city: text('city'),
    postalCode: text('postalCode'),
    country: text('country') || 'US',
    shippingMethod: text('shippingMethod') || defaults.shippingMethod,
    idempotencyKey: randomUUID(),
  };
}

/** Server-rendered shop pages; every form works without JavaScript and redirects after POST. */
export function pageRouter(deps: PageDeps): Router {
  const router = Router();
  const { assets } = deps;
  const sendHtml = (res: Response, body: string, status = 200, privateToUser = false) =>
    res
      .status(status)
      .set('Cache-Control', privateToUser ? 'private, no-cache' : 'no-cache')
      .type('html')
      .send(body);

  const loadCart = async (req: Request) => {
    const id = cartIdFrom(req);
    if (!id) return undefined;
    return (await deps.carts.lines(id)) ? deps.carts.view(id) : undefined;
  };

  router.get('/', async (req, res) => {
    const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
    const pageData = await deps.catalog.list(12, cursor);
    sendHtml(res, catalogPage(assets, pageData.items, pageData.nextCursor));
  });

  router.get('/products/:id', async (req, res) => {
    const id = parse(productIdParam, req.params.id, 'id');
    const product = await deps.catalog.get(id);
    if (!product) throw new AppError(404, 'not_found', 'That product does not exist.');
    sendHtml(res, productPage(assets, product));
  });

  router.get('/cart', async (req, res) => {
    sendHtml(res, cartPage(assets, await loadCart(req)), 200, true);
  });

  router.post('/cart/items', sameOriginOnly, async (req, res) => {
    const form = parse(addForm, { ...req.body });
    const id = cartIdFrom(req);
    if (id && (await deps.carts.lines(id))) {
      await deps.carts.addItem(id, form.productId, form.quantity);
    } else {
      // A cart exists only from its first add: visiting pages stores nothing.
      const cart = await deps.carts.create([{ productId: form.productId, quantity: form.quantity }]);
      setCartCookie(req, res, cart.id);
    }
    res.redirect(303, '/cart');
  });

  router.post('/cart/items/:productId', sameOriginOnly, async (req, res) => {
    const productId = parse(productIdParam, req.params.productId, 'productId');
    const form = parse(quantityForm, { ...req.body });
    const id = cartIdFrom(req);
    if (id) {
      await deps.carts.setQuantity(id, productId, form.quantity).catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'not_found')) throw err;
      });
    }
    res.redirect(303, '/cart');
  });

  router.post('/cart/items/:productId/delete', sameOriginOnly, async (req, res) => {
    const productId = parse(productIdParam, req.params.productId, 'productId');
    const id = cartIdFrom(req);
    if (id) await deps.carts.removeItem(id, productId).catch(() => undefined);
    res.redirect(303, '/cart');
  });

  router.get('/checkout', async (req, res) => {
    const cart = await loadCart(req);
    if (!cart || cart.items.length === 0) return res.redirect(303, '/cart');
    // A fresh key per rendered form: a double-submitted or retried form places one order.
    const form = formValues({}, { shippingMethod: deps.checkout.shippingRates[0]?.id ?? '' });
    sendHtml(res, checkoutPage(assets, cart, deps.checkout.quote(cart), form), 200, true);
  });

  router.post('/checkout', sameOriginOnly, async (req, res) => {
    const body = { ...req.body } as Record<string, unknown>;
    const cartId = cartIdFrom(req);
    const cart = cartId ? await loadCart(req) : undefined;
    const rerender = (status: number, message: string) =>
      cart && cart.items.length > 0
        ? sendHtml(
            res,
            checkoutPage(
              assets,
              cart,
              deps.checkout.quote(cart),
              formValues(body, { shippingMethod: deps.checkout.shippingRates[0]?.id ?? '' }),
              message,
            ),
            status,
            true,
          )
        : res.redirect(303, '/cart');
    const parsed = checkoutForm.safeParse({
      email: body.email,
      idempotencyKey: body.idempotencyKey,
      shippingMethod: body.shippingMethod,
      address: {
        name: body.name,
        line1: body.line1,
        ...(typeof body.line2 === 'string' && body.line2.trim() !== '' ? { line2: body.line2 } : {}),
        city: body.city,
        postalCode: body.postalCode,
        country: typeof body.country === 'string' ? body.country.trim().toUpperCase() : body.country,
      },
    });
    if (!parsed.success) {
      const path = parsed.error.issues[0]?.path ?? [];
      const field = String(path[0] === 'address' ? path[1] : path[0]);
      return rerender(400, CHECKOUT_MESSAGES[field] ?? 'Please check the form and try again.');
    }
    if (!cartId) return res.redirect(303, '/cart');
    try {
      const result = await deps.checkout.placeOrder(parsed.data.idempotencyKey, {
        cartId,
        email: parsed.data.email,
        shipping: parsed.data.address,
        shippingMethod: parsed.data.shippingMethod,
      });
      setCartCookie(req, res, null);
      res.redirect(303, `/orders/${result.body.id}`);
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.code !== 'not_found') {
        return rerender(err.status, err.message);
      }
      if (err instanceof AppError && err.code === 'not_found') return res.redirect(303, '/cart');
      throw err;
    }
  });

  // The order id is a random UUID (122 bits from the CSPRNG): the link is the buyer's key to the
  // page. Order numbers are for people and never look an order up.
  router.get('/orders/:id', async (req, res) => {
    const id = parse(uuid, req.params.id, 'id');
    const order = await deps.checkout.findOrder(id);
    if (!order) throw new AppError(404, 'not_found', 'That order does not exist.');
    res.set('Referrer-Policy', 'no-referrer');
    sendHtml(res, orderPage(assets, order), 200, true);
  });

  return router;
}
