import { randomUUID } from 'node:crypto';
import type { CartStore } from '../data/cart-store.ts';
import type { ProductRepository } from '../data/product-repo.ts';
import type { AssetManifest } from '../server/static-assets.ts';
import { AppError, notFound } from './errors.ts';

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
  totalCents: number;
  currency: string;
}

/** Cart use cases; prices shown in a cart are today's prices, the order fixes them at checkout. */
export class Carts {
  readonly #store: CartStore;
  readonly #products: ProductRepository;
  readonly #assets: AssetManifest;

  constructor(deps: { store: CartStore; products: ProductRepository; assets: AssetManifest }) {
    this.#store = deps.store;
    this.#products = deps.products;
    this.#assets = deps.assets;
  }

  async create(): Promise<{ id: string }> {
    const id = randomUUID();
    await this.#store.create(id);
    return { id };
  }

  /** Lines of a cart as { productId, quantity }, or undefined when the cart is unknown/expired. */
  async lines(id: string): Promise<Map<number, number> | undefined> {
    return this.#store.get(id);
  }

  async view(id: string): Promise<CartView> {
    const lines = await this.#store.get(id);
    if (!lines) throw notFound('cart', 'id');
    return this.#present(id, lines);
  }

  async addItem(id: string, productId: number, quantity: number): Promise<CartView> {
    const product = (await this.#products.findByIds([productId]))[0];
    if (!product)
      throw new AppError(404, 'not_found', `product ${productId} not found`, { field: 'productId' });
    const result = await this.#store.add(id, productId, quantity);
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound('cart', 'id');
      throw new AppError(422, 'cart_full', 'a cart holds at most 50 different products', {
        field: 'productId',
      });
    }
    return this.#present(id, result.lines);
  }

  async removeItem(id: string, productId: number): Promise<void> {
    if (!(await this.#store.remove(id, productId))) throw notFound('cart', 'id');
  }

  async forget(id: string): Promise<void> {
    await this.#store.delete(id);
  }

  async #present(id: string, lines: Map<number, number>): Promise<CartView> {
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
        imageUrl: this.#assets.imageUrl(p.imagePath),
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
