/** Orders as the domain sees them, and what it needs from the order store (data/order-repo.ts). */
import type { ProductRecord } from './ports.ts';

export interface OrderItem {
  productId: number;
  sku: string;
  name: string;
  unitPriceCents: number;
  quantity: number;
}

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface Shipment {
  method: string;
  label: string;
  cents: number;
  address: ShippingAddress;
}

export interface OrderRecord {
  /** Random (CSPRNG) UUID: the buyer's unguessable link to the order, /orders/<id>. */
  id: string;
  /** Sequential, for people ("order #1042"); never a way to look an order up. */
  number: number;
  status: string;
  email: string | null;
  subtotalCents: number;
  shippingCents: number;
  taxCents: number;
  totalCents: number;
  currency: string;
  shipping: Shipment | null;
  createdAt: string;
  items: OrderItem[];
}

export interface StoredResponse {
  requestHash: string;
  status: number | null;
  body: unknown;
}

export interface PricedProduct {
  id: number;
  sku: string;
  name: string;
  priceCents: number;
  currency: string;
}

/** The statements of one checkout transaction. */
export interface OrderTransaction {
  /**
   * Claims the Idempotency-Key (blocking behind a concurrent claim), prices the products and draws
   * the next order number, in one round trip.
   */
  claimAndPrice(
    key: string,
    requestHash: string,
    productIds: readonly number[],
  ): Promise<{ claimed: boolean; products: PricedProduct[]; orderNumber: number }>;
  findIdempotencyRecord(key: string): Promise<StoredResponse | undefined>;
  /** Inserts the order and its lines and stores `response` as the key's answer, in one statement. */
  insertOrder(order: OrderRecord, key: string, response: unknown): Promise<void>;
  /** Takes stock if at least `quantity` is left at `priceCents`; false otherwise. */
  decrementStock(productId: number, quantity: number, priceCents: number): Promise<boolean>;
  findProduct(id: number): Promise<ProductRecord | undefined>;
}

export interface OrderStore {
  inTransaction<T>(work: (tx: OrderTransaction) => Promise<T>): Promise<T>;
  findIdempotencyRecord(key: string): Promise<StoredResponse | undefined>;
  findById(id: string): Promise<OrderRecord | undefined>;
  deleteExpiredIdempotencyKeys(ttlHours: number): Promise<number>;
}
