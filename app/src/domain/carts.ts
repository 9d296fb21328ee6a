import { randomUUID } from 'node:crypto';
import {
  CART_RULES,
  type CartChange,
  type CartLines,
  type CartRules,
  type CartStorage,
} from './cart-rules.ts';
import { AppError, notFound } from './errors.ts';
import type { Images, ProductReader } from './ports.ts';

export interface CartLine {
  productId: number;
  sku: string;
  name: string;
  unitPriceCents: number;
  currency: string;
  quantity: number;
  lineTotalCents: number;
  imageUrl: string | null;
  inStock: number;
}

export interface CartView {
  id: string;
  items: CartLine[];
  /** Goods only; shipping and tax are added at checkout. */
  totalCents: number;
  currency: string;
}

/** Cart use cases; prices shown in a cart are today's prices, the order fixes them at checkout. */
export class Carts {
  readonly #store: CartStorage;
  readonly #products: ProductReader;
  readonly #images: Images;
  readonly #rules: CartRules;

  constructor(deps: { store: CartStorage; products: ProductReader; images: Images; rules?: CartRules }) {
    this.#store = deps.store;
    this.#products = deps.products;
    this.#images = deps.images;
    this.#rules = deps.rules ?? CART_RULES;
  }

  /**
   * A new cart, holding `first` when given (the shop's pages create a cart only at the first add).
   * An empty cart lives an hour unless something is added (see cart-rules.ts).
   */
  async create(first?: { productId: number; quantity: number }[]): Promise<CartView> {
    const lines: CartLines = new Map();
    for (const [i, item] of (first ?? []).entries()) {
      await this.#requireProduct(item.productId, `items.${i}.productId`);
      lines.set(
        item.productId,
        Math.min((lines.get(item.productId) ?? 0) + item.quantity, this.#rules.maxLineQuantity),
      );
    }
    if (lines.size > this.#rules.maxLines) throw this.#full('items');
    const id = randomUUID();
    await this.#store.create(id, lines, this.#rules);
    return this.#present(id, lines);
  }

  /** Lines of a cart as { productId, quantity }, or undefined when the cart is unknown/expired. */
  async lines(id: string): Promise<CartLines | undefined> {
    return this.#store.get(id);
  }

  async view(id: string): Promise<CartView> {
    const lines = await this.#store.get(id);
    if (!lines) throw notFound('cart', 'id');
    return this.#present(id, lines);
  }

  /** Adds units (a line stops at the per-line maximum). */
  async addItem(id: string, productId: number, quantity: number): Promise<CartView> {
    await this.#requireProduct(productId, 'productId');
    return this.#applied(id, await this.#store.add(id, productId, quantity, this.#rules));
  }

  /** Sets a line's quantity; 0 removes it. */
  async setQuantity(id: string, productId: number, quantity: number): Promise<CartView> {
    if (!Number.isInteger(quantity) || quantity < 0 || quantity > this.#rules.maxLineQuantity) {
      throw new AppError(
        400,
        'invalid_input',
        `quantity must be an integer between 0 and ${this.#rules.maxLineQuantity}`,
        {
          field: 'quantity',
        },
      );
    }
    if (quantity > 0) await this.#requireProduct(productId, 'productId');
    return this.#applied(id, await this.#store.setQuantity(id, productId, quantity, this.#rules));
  }

  async removeItem(id: string, productId: number): Promise<void> {
    await this.setQuantity(id, productId, 0);
  }

  async forget(id: string): Promise<void> {
    await this.#store.delete(id);
  }

  /** Deletes expired carts from storage; returns how many. */
  sweepExpired(): Promise<number> {
    return this.#store.sweepExpired();
  }

  async #requireProduct(productId: number, field: string) {
    if ((await this.#products.findByIds([productId])).length === 0)
      throw new AppError(404, 'not_found', `product ${productId} not found`, { field });
  }

  #full(field: string) {
    return new AppError(422, 'cart_full', `a cart holds at most ${this.#rules.maxLines} different products`, {
      field,
    });
  }

  async #applied(id: string, change: CartChange): Promise<CartView> {
    if (!change.ok) {
      if (change.reason === 'not_found') throw notFound('cart', 'id');
      throw this.#full('productId');
    }
    return this.#present(id, change.lines);
  }

  async #present(id: string, lines: CartLines): Promise<CartView> {
    const products = new Map((await this.#products.findByIds([...lines.keys()])).map((p) => [p.id, p]));
    const items: CartLine[] = [];
    for (const [productId, quantity] of lines) {
      const p = products.get(productId);
      if (!p) continue; // product deleted since it was added
      items.push({
        productId,
        sku: p.sku,
        name: p.name,
        unitPriceCents: p.priceCents,
        currency: p.currency,
        quantity,
        lineTotalCents: p.priceCents * quantity,
        imageUrl: this.#images.imageUrl(p.imagePath),
        inStock: p.stock,
      });
    }
    return {
      id,
      items,
      totalCents: items.reduce((sum, i) => sum + i.lineTotalCents, 0),
      currency: items[0]?.currency ?? 'USD',
    };
  }
}
