/**
 * The cart rules, owned by the domain; the stores apply them atomically (a Lua script in Redis, a
 * transaction in Postgres) with these numbers, so two concurrent adds cannot break them.
 *
 * - A cart lives CART_TTL_SECONDS after its last change; a cart created empty through the API
 *   lives only EMPTY_CART_TTL_SECONDS unless something is added, so a flood of empty carts fades
 *   within the hour. Expired carts are invisible at once and swept from both stores.
 * - A line holds 1..MAX_LINE_QUANTITY units: adding beyond it stops at the maximum; setting a
 *   quantity of 0 removes the line; a cart holds at most MAX_CART_LINES different products.
 */
export const CART_TTL_SECONDS = 7 * 24 * 3600;
export const EMPTY_CART_TTL_SECONDS = 3600;
export const MAX_LINE_QUANTITY = 99;
export const MAX_CART_LINES = 50;

export interface CartRules {
  ttlSeconds: number;
  emptyTtlSeconds: number;
  maxLineQuantity: number;
  maxLines: number;
}

export const CART_RULES: CartRules = {
  ttlSeconds: CART_TTL_SECONDS,
  emptyTtlSeconds: EMPTY_CART_TTL_SECONDS,
  maxLineQuantity: MAX_LINE_QUANTITY,
  maxLines: MAX_CART_LINES,
};

export type CartLines = Map<number, number>;

export type CartChange = { ok: true; lines: CartLines } | { ok: false; reason: 'not_found' | 'too_many' };

/** What the cart use cases need from storage (data/cart-store.ts implements it). */
export interface CartStorage {
  create(id: string, lines: CartLines, rules: CartRules): Promise<void>;
  get(id: string): Promise<CartLines | undefined>;
  /** Adds units to a line (capped at the rule's maximum), creating the line if needed. */
  add(id: string, productId: number, quantity: number, rules: CartRules): Promise<CartChange>;
  /** Sets a line to `quantity` units; 0 removes the line. */
  setQuantity(id: string, productId: number, quantity: number, rules: CartRules): Promise<CartChange>;
  delete(id: string): Promise<void>;
  sweepExpired(): Promise<number>;
}
