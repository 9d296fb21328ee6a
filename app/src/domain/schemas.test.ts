import { describe, expect, it } from 'vitest';
import { requestHash } from './checkout.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { AppError } from './errors.ts';
import { orderBody, parse, updateProductBody } from './schemas.ts';

const fieldOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return { status: err.status, field: err.field };
    throw err;
  }
  return undefined;
};

describe('input schemas', () => {
  it('when an order item is bad, then the error names its path', () => {
    expect(
      fieldOf(() => parse(orderBody, { items: [{ productId: 1, quantity: 0 }], email: 'a@b.co' })),
    ).toEqual({
      status: 400,
      field: 'items.0.quantity',
    });
    expect(
      fieldOf(() => parse(orderBody, { items: [{ productId: 1, quantity: 1, price: 0 }], email: 'a@b.co' })),
    ).toEqual({
      status: 400,
      field: 'items.0.price',
    });
    expect(fieldOf(() => parse(orderBody, undefined))).toEqual({ status: 400, field: 'body' });
  });

  it('when a valid order is parsed, then it comes back typed', () => {
    expect(parse(orderBody, { cartId: '3f0b3c9e-1d2a-4c4b-9a77-0c1f9e1d2a3b' })).toEqual({
      cartId: '3f0b3c9e-1d2a-4c4b-9a77-0c1f9e1d2a3b',
    });
  });

  it('when a product update changes nothing, then it is refused', () => {
    expect(fieldOf(() => parse(updateProductBody, {}))).toEqual({ status: 400, field: 'body' });
    expect(parse(updateProductBody, { priceCents: 0 })).toEqual({ priceCents: 0 });
  });

  it('when two order bodies mean the same thing, then their hashes match; otherwise they differ', () => {
    const a = requestHash({ items: [{ productId: 1, quantity: 2 }], email: 'a@b.co' });
    const b = requestHash({ email: 'a@b.co', items: [{ quantity: 2, productId: 1 }] });
    const c = requestHash({ items: [{ productId: 1, quantity: 3 }], email: 'a@b.co' });
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('when a cursor round-trips, then it yields the id; a forged one is a 400 on "cursor"', () => {
    expect(decodeCursor(encodeCursor(42))).toBe(42);
    expect(decodeCursor(undefined)).toBe(0);
    expect(fieldOf(() => decodeCursor('bm9wZQ'))).toEqual({ status: 400, field: 'cursor' });
  });
});
