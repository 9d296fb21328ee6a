import { decodeCursor, encodeCursor } from './cursor.ts';
import { AppError, notFound } from './errors.ts';
import type { Images, ProductRecord } from './ports.ts';
import type { CreateProductInput, UpdateProductInput } from './schemas.ts';

/** A product as shown: the stored record with its image as a URL. */
export interface Product extends Omit<ProductRecord, 'imagePath'> {
  imageUrl: string | null;
}

export interface ProductPage {
  items: Product[];
  nextCursor: string | null;
}

export const DEFAULT_PAGE_SIZE = 20;

/** What a cached catalog read is about. */
export type CatalogScope = { kind: 'list'; limit: number; cursor?: string } | { kind: 'product'; id: number };

/** A serialised answer, ready to send as it is, with its strong ETag. */
export interface CachedBody {
  json: string;
  body: Buffer;
  etag: string;
}

/** The catalog's read cache (data/catalog-cache.ts): in-process, then Redis, then `load`. */
export interface CatalogReadCache {
  readBody(scope: CatalogScope, namespace: string, load: () => Promise<string>): Promise<CachedBody>;
  /** The in-process copy when it may be served now, without waiting; undefined otherwise. */
  peekBody(scope: CatalogScope, namespace: string): CachedBody | undefined;
  /** After a committed change: every replica stops serving the products' and lists' old bodies. */
  invalidateProducts(ids: readonly number[]): Promise<void>;
}

export type NewProductRecord = Omit<ProductRecord, 'id'>;
export type ProductChanges = Partial<Omit<NewProductRecord, 'sku' | 'currency'>>;

/** Product storage (data/product-repo.ts). */
export interface ProductStore {
  list(limit: number, afterId: number): Promise<ProductRecord[]>;
  findById(id: number): Promise<ProductRecord | undefined>;
  insert(p: NewProductRecord): Promise<ProductRecord>;
  update(id: number, changes: ProductChanges): Promise<ProductRecord | undefined>;
}

/**
 * Catalog use cases. Reads go through the cache and come back already serialized (the API sends the
 * cached bytes as they are); writes commit to Postgres, then invalidate.
 */
export class Catalog {
  readonly #products: ProductStore;
  readonly #cache: CatalogReadCache;
  readonly #assets: Images;

  constructor(deps: { products: ProductStore; cache: CatalogReadCache; assets: Images }) {
    this.#products = deps.products;
    this.#cache = deps.cache;
    this.#assets = deps.assets;
  }

  /** One page of products, serialised (with its ETag). */
  listBody(limit = DEFAULT_PAGE_SIZE, cursor?: string): Promise<CachedBody> {
    const afterId = decodeCursor(cursor);
    return this.#cache.readBody({ kind: 'list', limit, cursor }, this.#namespace(), async () => {
      const rows = await this.#products.list(limit + 1, afterId);
      const page = rows.slice(0, limit);
      const nextCursor = rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null;
      return JSON.stringify({ items: page.map((r) => this.#present(r)), nextCursor } satisfies ProductPage);
    });
  }

  /**
   * The first page at the default size when this process holds it and may serve it now; undefined
   * when it must be read (then listBody). Lets the hottest read skip the promise machinery.
   */
  cachedFirstPage(): CachedBody | undefined {
    return this.#cache.peekBody({ kind: 'list', limit: DEFAULT_PAGE_SIZE }, this.#namespace());
  }

  /** One product, serialised; its JSON is "null" when there is no such product. */
  productBody(id: number): Promise<CachedBody> {
    return this.#cache.readBody({ kind: 'product', id }, this.#namespace(), async () => {
      const row = await this.#products.findById(id);
      return JSON.stringify(row ? this.#present(row) : null);
    });
  }

  async list(limit?: number, cursor?: string): Promise<ProductPage> {
    return JSON.parse((await this.listBody(limit, cursor)).json) as ProductPage;
  }

  async get(id: number): Promise<Product | undefined> {
    return (JSON.parse((await this.productBody(id)).json) as Product | null) ?? undefined;
  }

  async create(input: CreateProductInput): Promise<Product> {
    this.#checkImage(input.imageUrl);
    let row: ProductRecord;
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
  #namespace(): string {
    return `v${this.#assets.version}`;
  }

  #present(row: ProductRecord): Product {
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
