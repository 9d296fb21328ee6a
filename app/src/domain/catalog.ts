import { type CatalogCache, listScope, productScope } from '../data/catalog-cache.ts';
import type { ProductRepository, ProductRow } from '../data/product-repo.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { AppError, notFound } from './errors.ts';
import type { Images } from './ports.ts';
import type { CreateProductInput, UpdateProductInput } from './schemas.ts';

export interface Product {
  id: number;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  imageUrl: string | null;
}

export interface ProductPage {
  items: Product[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;

/**
 * Catalog use cases. Reads go through the cache and come back already serialized (the API sends the
 * cached bytes as they are); writes commit to Postgres, then invalidate.
 */
export class Catalog {
  readonly #products: ProductRepository;
  readonly #cache: CatalogCache;
  readonly #assets: Images;

  constructor(deps: { products: ProductRepository; cache: CatalogCache; assets: Images }) {
    this.#products = deps.products;
    this.#cache = deps.cache;
    this.#assets = deps.assets;
  }

  /** JSON text of one page of products. */
  listJson(limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<string> {
    const afterId = decodeCursor(cursor);
    return this.#cache.read(this.#scoped(listScope(limit, cursor ?? '-')), async () => {
      const rows = await this.#products.list(limit + 1, afterId);
      const page = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null;
      return JSON.stringify({ items: page.map((r) => this.#present(r)), nextCursor } satisfies ProductPage);
    });
  }

  /** JSON text of one product, or "null". */
  productJson(id: number): Promise<string> {
    return this.#cache.read(this.#scoped(productScope(id)), async () => {
      const row = await this.#products.findById(id);
      return JSON.stringify(row ? this.#present(row) : null);
    });
  }

  async list(limit?: number, cursor?: string): Promise<ProductPage> {
    return JSON.parse(await this.listJson(limit, cursor)) as ProductPage;
  }

  async get(id: number): Promise<Product | undefined> {
    return (JSON.parse(await this.productJson(id)) as Product | null) ?? undefined;
  }

  async create(input: CreateProductInput): Promise<Product> {
    this.#checkImage(input.imageUrl);
    let row: ProductRow;
    try {
      row = await this.#products.insert({
        sku: input.sku,
        name: input.name,
        description: input.description,
        priceCents: input.priceCents,
        currency: input.currency,
        stock: input.stock,
        imagePath: input.imageUrl ?? null,
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new AppError(409, 'duplicate_sku', `a product with sku ${input.sku} already exists`, {
          field: 'sku',
        });
      }
      throw err;
    }
    await this.#cache.invalidateProducts([row.id]);
    return this.#present(row);
  }

  async update(id: number, changes: UpdateProductInput): Promise<Product> {
    this.#checkImage(changes.imageUrl);
    const row = await this.#products.update(id, {
      name: changes.name,
      description: changes.description,
      priceCents: changes.priceCents,
      stock: changes.stock,
      imagePath: changes.imageUrl,
    });
    if (!row) throw notFound('product', 'id');
    await this.#cache.invalidateProducts([id]);
    return this.#present(row);
  }

  #checkImage(image: string | null | undefined) {
    if (image && !/^https:\/\//.test(image) && !this.#assets.has(image)) {
      throw new AppError(400, 'invalid_input', `imageUrl ${image} is not a known static asset`, {
        field: 'imageUrl',
      });
    }
  }

  /** Cache keys carry the asset manifest version, so a rollout never serves another build's URLs. */
  #scoped(scope: { generationKey: string; prefix: string }) {
    return { generationKey: scope.generationKey, prefix: `v${this.#assets.version}:${scope.prefix}` };
  }

  #present(row: ProductRow): Product {
    return {
      id: row.id,
      sku: row.sku,
      name: row.name,
      description: row.description,
      priceCents: row.priceCents,
      currency: row.currency,
      stock: row.stock,
      imageUrl: this.#assets.imageUrl(row.imagePath),
    };
  }
}
