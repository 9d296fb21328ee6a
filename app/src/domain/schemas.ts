import { z } from 'zod';
import { AppError } from './errors.ts';

/** Every input the shop accepts is parsed by one of these; a failure names the offending field. */

const MAX_INT = 2_147_483_647;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const productId = z
  .number({ error: 'must be a product id (a positive integer)' })
  .int('must be a product id (a positive integer)')
  .min(1, 'must be a product id (a positive integer)')
  .max(MAX_INT, 'is not a known product id');
export const quantity = z
  .number({ error: 'must be an integer between 1 and 99' })
  .int('must be an integer between 1 and 99')
  .min(1, 'must be at least 1')
  .max(99, 'must be at most 99');
export const uuid = z.string({ error: 'must be a UUID' }).regex(UUID, 'must be a UUID');
export const email = z
  .string({ error: 'must be an email address' })
  .max(254)
  .pipe(z.email('must be an email address'));

/** A path segment that must be a product id. */
export const productIdParam = z
  .string()
  .regex(/^[1-9]\d{0,9}$/, 'must be a product id (a positive integer)')
  .transform(Number)
  .pipe(z.number().max(MAX_INT, 'is not a known product id'));

export const listQuery = z.object({
  limit: z
    .string({ error: 'must be an integer between 1 and 100' })
    .regex(/^\d{1,3}$/, 'must be an integer between 1 and 100')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(100, 'must be at most 100'))
    .optional(),
  cursor: z
    .string({ error: 'must be a cursor returned as nextCursor' })
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be a cursor returned as nextCursor')
    .optional(),
});

const sku = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, 'must be 1-64 upper-case letters, digits or dashes');
const name = z
  .string({ error: 'must be a string' })
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters');
const description = z.string({ error: 'must be a string' }).max(5000, 'must be at most 5000 characters');
const priceCents = z
  .number({ error: 'must be an integer number of cents' })
  .int('must be an integer number of cents')
  .min(0, 'must not be negative')
  .max(100_000_000, 'must be at most 100000000');
const stock = z
  .number({ error: 'must be an integer' })
  .int('must be an integer')
  .min(0, 'must not be negative')
  .max(10_000_000, 'must be at most 10000000');
const currency = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Z]{3}$/, 'must be a 3-letter ISO 4217 code');
/** A static asset path like "img/mug.svg" (checked against the manifest) or an https URL. */
const imageUrl = z
  .string({ error: 'must be a string' })
  .max(2048)
  .refine(
    (v) => (/^https:\/\//.test(v) && URL.canParse(v)) || /^[a-z0-9][a-z0-9/_-]*\.(svg|png|jpg|webp)$/.test(v),
    'must be an https URL or a static asset path like img/mug.svg',
  )
  .nullable();

export const createProductBody = z.strictObject({
  sku,
  name,
  description: description.default(''),
  priceCents,
  currency: currency.default('USD'),
  stock,
  imageUrl: imageUrl.optional(),
});
export type CreateProductInput = z.infer<typeof createProductBody>;

export const updateProductBody = z
  .strictObject({
    name: name.optional(),
    description: description.optional(),
    priceCents: priceCents.optional(),
    stock: stock.optional(),
    imageUrl: imageUrl.optional(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), 'must change at least one field');
export type UpdateProductInput = z.infer<typeof updateProductBody>;

export const addItemBody = z.strictObject({ productId, quantity });

/** POST /api/carts: an optional first set of lines (no body: an empty cart that lives an hour). */
export const createCartBody = z
  .strictObject({
    items: z
      .array(z.strictObject({ productId, quantity }), {
        error: 'must be an array of { productId, quantity }',
      })
      .min(1, 'must contain at least one item')
      .max(50, 'must contain at most 50 items')
      .optional(),
  })
  .optional();

/** PATCH /api/carts/:id/items/:productId: the line's new quantity; 0 removes it. */
export const setQuantityBody = z.strictObject({
  quantity: z
    .number({ error: 'must be an integer between 0 and 99' })
    .int('must be an integer between 0 and 99')
    .min(0, 'must not be negative')
    .max(99, 'must be at most 99'),
});

const orderItem = z.strictObject({ productId, quantity });

/** One line of an address: printable, no control characters, trimmed. */
const addressLine = (max: number) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

export const shippingAddress = z.strictObject({
  name: addressLine(100),
  line1: addressLine(100),
  line2: addressLine(100).optional(),
  city: addressLine(60),
  postalCode: z
    .string({ error: 'must be a string' })
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 -]{0,14}$/, 'must be 1-15 letters, digits, spaces or dashes'),
  country: z
    .string({ error: 'must be a string' })
    .trim()
    .regex(/^[A-Z]{2}$/, 'must be a 2-letter ISO 3166 country code, e.g. US'),
});

export const shippingMethod = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be a shipping method id such as standard');

export const orderBody = z
  .strictObject({
    cartId: uuid.optional(),
    items: z
      .array(orderItem, { error: 'must be an array of { productId, quantity }' })
      .min(1, 'must contain at least one item')
      .max(50, 'must contain at most 50 items')
      .optional(),
    email: email.optional(),
    shipping: shippingAddress.optional(),
    shippingMethod: shippingMethod.optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.cartId === undefined) === (body.items === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cartId'],
        message: 'send either cartId or items (exactly one)',
      });
    }
    if (body.items && body.email === undefined) {
      ctx.addIssue({ code: 'custom', path: ['email'], message: 'is required when ordering items directly' });
    }
    const seen = new Set<number>();
    body.items?.forEach((item, i) => {
      if (seen.has(item.productId)) {
        ctx.addIssue({ code: 'custom', path: ['items', i, 'productId'], message: 'appears more than once' });
      }
      seen.add(item.productId);
    });
  });
export type OrderInput = z.infer<typeof orderBody>;

export const idempotencyKey = z
  .string({ error: 'header is required' })
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1-255 printable ASCII characters');

/** Parses `input` or throws a 400 naming the first bad field (`items.0.quantity`, `body`, ...). */
export function parse<S extends z.ZodType>(schema: S, input: unknown, where?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, String(issue.keys[0])];
    message = 'is not a recognised field';
  } else if (issue.code === 'invalid_type' && path.length === 0 && where === undefined) {
    message = 'must be a JSON object';
  }
  const field = [where, ...path].filter((p) => p !== undefined && p !== '').join('.') || 'body';
  throw new AppError(400, 'invalid_input', `${field} ${message}`, { field });
}
