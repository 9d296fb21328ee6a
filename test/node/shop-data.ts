// What the real-node backup tests read and write of a Storefront's shop (test/node/backup-*.test.ts):
// orders placed through the front door like a shopper's, and the database's orders, order lines
// and stock read back in its Postgres pod, to compare a restored shop with the original.
import { expect } from 'vitest';
import { k, kJson } from '../operator/support.ts';
import { httpsRequest } from './support.ts';

/** The pods of Storefront `name`'s `component` in `ns`. */
export function podsOf(ns: string, name: string, component: string): any[] {
  return kJson([
    'get',
    'pods',
    '-n',
    ns,
    '-l',
    `app.kubernetes.io/instance=${name},app.kubernetes.io/component=${component}`,
  ]).items;
}

/** psql in the Postgres pod of Storefront `name` (session time zone UTC: comparable JSON). */
export function psql(ns: string, name: string, sql: string): string {
  const pod = podsOf(ns, name, 'database')[0]?.metadata.name;
  if (!pod) throw new Error(`Storefront ${name} has no Postgres pod`);
  return k([
    'exec',
    '-n',
    ns,
    pod,
    '--',
    'env',
    'PGTZ=UTC',
    'psql',
    '-h',
    '/var/run/postgresql',
    '-U',
    'storefront',
    '-d',
    'storefront',
    '-XtAc',
    sql,
  ]).trim();
}

export type ShopData = { orders: string; items: string; stock: string };

/** Every order, order line and product stock of Storefront `name`, as JSON text. */
export function shopData(ns: string, name: string): ShopData {
  return {
    orders: psql(ns, name, 'SELECT json_agg(o ORDER BY o.id) FROM orders o'),
    items: psql(ns, name, 'SELECT json_agg(i ORDER BY i.order_id, i.product_id) FROM order_items i'),
    stock: psql(ns, name, 'SELECT json_agg(json_build_array(id, sku, stock) ORDER BY id) FROM products'),
  };
}

/** The tables of the public schema in Storefront `name`'s database (0: nothing restored). */
export function tableCount(ns: string, name: string): number {
  return Number(psql(ns, name, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
}

/**
 * Three orders through the front door at 127.0.0.1:`port` for `host` (a cart each, one of the
 * first three products in quantity 1, 2, 3, buyer<i>@example.com); their ids.
 */
export async function placeOrders(port: number, host: string, ca: string, tag: string): Promise<string[]> {
  const json = { 'content-type': 'application/json' };
  const list = JSON.parse((await httpsRequest(port, host, ca, '/api/products')).body);
  const products: any[] = list.items ?? list.products ?? list;
  const ids: string[] = [];
  for (const [i, product] of products.slice(0, 3).entries()) {
    const cart = JSON.parse(
      (await httpsRequest(port, host, ca, '/api/carts', { method: 'POST', headers: json, body: '{}' })).body,
    );
    const added = await httpsRequest(port, host, ca, `/api/carts/${cart.id}/items`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ productId: product.id, quantity: i + 1 }),
    });
    expect(added.status, added.body).toBeLessThan(300);
    const order = await httpsRequest(port, host, ca, '/api/orders', {
      method: 'POST',
      headers: { ...json, 'idempotency-key': `${tag}-${i}-${Date.now()}` },
      body: JSON.stringify({ cartId: cart.id, email: `buyer${i}@example.com` }),
    });
    expect(order.status, order.body).toBe(201);
    ids.push(String(JSON.parse(order.body).id));
  }
  return ids;
}
