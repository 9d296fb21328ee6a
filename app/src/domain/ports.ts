/**
 * What the domain needs from the layers around it, as interfaces the domain owns: the data layer
 * (repositories, stores) and the server layer (assets, logger, metrics) implement them, so the
 * domain imports neither pg nor the server.
 */

/** A product as stored (image as its stored path, not yet a URL). */
export interface ProductRecord {
  id: number;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
  currency: string;
  stock: number;
  imagePath: string | null;
}

export interface ProductReader {
  findByIds(ids: readonly number[]): Promise<ProductRecord[]>;
}

/** The static asset manifest, as far as product images go. */
export interface Images {
  readonly version: string;
  has(path: string): boolean;
  imageUrl(stored: string | null): string | null;
}

/** Structured logging (pino's shape). */
export interface Log {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export type OrderOutcome = 'created' | 'replayed' | 'out_of_stock' | 'rejected';

/** Counts checkout outcomes (the server's metrics implement it). */
export interface CheckoutMetrics {
  orderOutcome(outcome: OrderOutcome): void;
}
