// examples/minimal.yaml through the operator onto the real node: every pod in a real container
// under Pod Security `restricted`, the migration Job completes, Ready means the shop serves; over
// HTTPS through the front-door stand-in (verified with the Storefront's CA) a shopper browses,
// adds to cart and checks out through the HTML pages and through the API, and the orders are in
// Postgres; the NetworkPolicies are enforced by a real firewall.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withLocalImages } from '../cluster/node/storefront-images.ts';
import {
  installCrd,
  k,
  kJson,
  kTry,
  type OperatorProcess,
  ROOT,
  restrictedNamespace,
  startOperator,
  waitFor,
  waitReady,
} from '../operator/support.ts';
import { psql as shopPsql } from './shop-data.ts';
import { frontDoorPort, frontDoorServes, httpsRequest, localImages, storefrontCa } from './support.ts';

const example = parse(readFileSync(join(ROOT, 'examples/minimal.yaml'), 'utf8'));
const host: string = example.spec.host;
const name: string = example.metadata.name;

let ns: string;
let operator: OperatorProcess;
let port: number;
let ca: string;

function pods(selector: string): any[] {
  return kJson(['get', 'pods', '-n', ns, '-l', selector]).items;
}

const probePods = new Map<string, string>();

/** A long-running pod with `labels` to probe from (one per label set). */
async function probePod(labels: Record<string, string>, image: string): Promise<string> {
  const key = JSON.stringify(labels);
  const known = probePods.get(key);
  if (known) return known;
  const pod = `probe-${Math.random().toString(36).slice(2, 7)}`;
  k(
    ['apply', '-n', ns, '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: pod, labels },
      spec: {
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'probe',
            image,
            imagePullPolicy: 'Never',
            command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    }),
  );
  await waitFor(`probe pod ${pod} Running`, () =>
    kJson(['get', 'pod', pod, '-n', ns]).status?.phase === 'Running' ? true : undefined,
  );
  probePods.set(key, pod);
  return pod;
}

/**
 * Runs `node -e script` in the probe pod for `labels` until its output matches `expected`: the
 * firewall applies policies to a new pod shortly after it starts (eventually consistent), so a
 * verdict is what the connection settles on; one that never settles fails with the last output.
 */
async function probeFrom(
  labels: Record<string, string>,
  script: string,
  image: string,
  expected: RegExp,
): Promise<string> {
  const pod = await probePod(labels, image);
  let last = '';
  return waitFor(
    `${JSON.stringify(labels)}: ${script.slice(0, 60)} to print ${expected}`,
    () => {
      last = k(['exec', '-n', ns, pod, '--', 'node', '-e', script]).trim();
      return expected.test(last) ? last : undefined;
    },
    120_000,
  ).catch((err: Error) => `${last} (${err.message})`);
}

/** A script printing `open` or `closed:<reason>` for a TCP connect to host:port within 5 s. */
const tcpProbe = (target: string, p: number) =>
  `const s=require('node:net').connect(${p},${JSON.stringify(target)});s.setTimeout(5000);` +
  `s.on('connect',()=>{console.log('open');s.destroy()});s.on('timeout',()=>{console.log('closed:timeout');s.destroy()});` +
  `s.on('error',(e)=>console.log('closed:'+e.code))`;

describe('examples/minimal.yaml on the real node', () => {
  let images: Awaited<ReturnType<typeof localImages>>;

  beforeAll(async () => {
    images = await localImages();
    port = await frontDoorPort();
    installCrd();
    ns = restrictedNamespace('sf-real');
    operator = startOperator();
    const sf = { ...example, spec: withLocalImages(example.spec, images) };
    k(['apply', '-n', ns, '-f', '-'], JSON.stringify(sf));
    await waitReady(ns, name, 900_000);
    ca = storefrontCa(ns, name);
    await frontDoorServes(port, host, ca, '/', { what: 'the front door to serve the shop' });
  });

  afterAll(async () => {
    await operator?.kill();
    if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
  });

  it('when the Storefront is Ready, then every pod runs in a real container and the migration Job completed', () => {
    const all = kJson(['get', 'pods', '-n', ns]).items;
    expect(all.length).toBeGreaterThanOrEqual(3);
    for (const pod of all) {
      expect(pod.spec.nodeName, pod.metadata.name).toBe('localhost');
      // A migration attempt may fail while Postgres starts; the Job retries (checked below).
      if (pod.metadata.labels['app.kubernetes.io/component'] === 'migration') continue;
      expect(pod.status.phase, pod.metadata.name).toBe('Running');
      for (const c of pod.status.containerStatuses) {
        expect(c.containerID, `${pod.metadata.name}/${c.name}`).toMatch(/^containerd:\/\//);
        expect(c.ready, `${pod.metadata.name}/${c.name}`).toBe(true);
      }
    }
    const jobs = kJson(['get', 'jobs', '-n', ns]).items;
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs.every((j: any) => j.status.succeeded === 1)).toBe(true);
    expect(kJson(['get', 'namespace', ns]).metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
  });

  it('when the front door is called over HTTPS, then its certificate verifies against the Storefront CA for the host', async () => {
    const res = await httpsRequest(port, host, ca, '/');
    expect(res.status).toBe(200);
    expect(res.cert.subjectaltname).toContain(`DNS:${host}`);
    // A client trusting only the CA (not the system store) got through: the chain verified.
    await expect(httpsRequest(port, 'other.example.com', ca, '/')).rejects.toThrow();
  });

  it('when a shopper uses the HTML pages, then the seeded catalog lists, the cart fills and checkout places an order in Postgres', async () => {
    const home = await httpsRequest(port, host, ca, '/');
    expect(home.body.match(/<li class="card">/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
    const productId = /href="\/products\/(\d+)"/.exec(home.body)?.[1];
    expect(productId).toBeDefined();
    const product = await httpsRequest(port, host, ca, `/products/${productId}`);
    expect(product.status).toBe(200);
    const form = (f: Record<string, string>) => new URLSearchParams(f).toString();
    const origin = `https://${host}`;
    const add = await httpsRequest(port, host, ca, '/cart/items', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: form({ productId: productId!, quantity: '2' }),
    });
    expect(add.status, add.body).toBe(303);
    const cookie = String(add.headers['set-cookie']).split(';')[0]!;
    const checkout = await httpsRequest(port, host, ca, '/checkout', { headers: { cookie } });
    expect(checkout.status).toBe(200);
    const key = /name="idempotencyKey" value="([^"]+)"/.exec(checkout.body)?.[1];
    expect(key).toBeDefined();
    const placed = await httpsRequest(port, host, ca, '/checkout', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie },
      body: form({
        email: 'html@example.com',
        idempotencyKey: key!,
        // The form's first shipping method and a delivery address (the fields the page asks for).
        shippingMethod: /name="shippingMethod" value="([^"]+)"/.exec(checkout.body)?.[1] ?? '',
        name: 'Real Node',
        line1: '1 Loopback Way',
        city: 'Localhost',
        postalCode: '12345',
        country: 'US',
      }),
    });
    expect(placed.status, placed.body).toBe(303);
    const orderId = /\/orders\/([\w-]+)$/.exec(String(placed.headers.location))?.[1];
    expect(orderId, String(placed.headers.location)).toBeDefined();
    expect(psql(`SELECT email FROM orders WHERE id = '${orderId}'`)).toBe('html@example.com');
  });

  it('when a client uses the API, then it browses, fills a cart, orders, and the order is in Postgres', async () => {
    const json = { 'content-type': 'application/json' };
    const list = JSON.parse((await httpsRequest(port, host, ca, '/api/products')).body);
    const first = (list.items ?? list.products ?? list)[0];
    expect(first.id).toBeDefined();
    const cart = JSON.parse(
      (await httpsRequest(port, host, ca, '/api/carts', { method: 'POST', headers: json, body: '{}' })).body,
    );
    const added = await httpsRequest(port, host, ca, `/api/carts/${cart.id}/items`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ productId: first.id, quantity: 1 }),
    });
    expect(added.status, added.body).toBeLessThan(300);
    const order = await httpsRequest(port, host, ca, '/api/orders', {
      method: 'POST',
      headers: { ...json, 'idempotency-key': `real-node-${Date.now()}` },
      body: JSON.stringify({ cartId: cart.id, email: 'api@example.com' }),
    });
    expect(order.status, order.body).toBe(201);
    const id = String(JSON.parse(order.body).id);
    expect(id).toMatch(/^[\w-]+$/);
    expect(psql(`SELECT email FROM orders WHERE id = '${id}'`)).toBe('api@example.com');
  });

  it('when pods connect, then the NetworkPolicies decide: only the app reaches Postgres and Redis, the migration only Postgres', async () => {
    const svc = (component: string) =>
      kJson(['get', 'services', '-n', ns, '-l', `app.kubernetes.io/component=${component}`]).items[0].metadata
        .name;
    const [db, cache] = [svc('database'), svc('cache')];
    const appLabels = pods('app.kubernetes.io/component=app')[0].metadata.labels;
    const selector = (l: Record<string, string>) => ({
      'app.kubernetes.io/name': l['app.kubernetes.io/name']!,
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': l['app.kubernetes.io/component']!,
      'storefront.dev/storefront': name,
    });
    const stranger = { app: 'stranger', 'storefront.dev/storefront': name };
    expect(await probeFrom(stranger, tcpProbe(db, 5432), images.node, /^closed/)).toMatch(/^closed/);
    expect(await probeFrom(stranger, tcpProbe(cache, 6379), images.node, /^closed/)).toMatch(/^closed/);
    expect(await probeFrom(selector(appLabels), tcpProbe(db, 5432), images.node, /^open$/)).toBe('open');
    expect(await probeFrom(selector(appLabels), tcpProbe(cache, 6379), images.node, /^open$/)).toBe('open');
    const migration = {
      'app.kubernetes.io/name': 'storefront-migrate',
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': 'migration',
      'storefront.dev/storefront': name,
    };
    expect(await probeFrom(migration, tcpProbe(db, 5432), images.node, /^open$/)).toBe('open');
    expect(await probeFrom(migration, tcpProbe(cache, 6379), images.node, /^closed/)).toMatch(/^closed/);
    // DNS is answered by kube-dns; anything else, here the API server's Service, stays unreachable.
    expect(
      await probeFrom(
        stranger,
        `require('node:dns').promises.lookup('${db}').then(a=>console.log(a.address),e=>console.log('err:'+e.code))`,
        images.node,
        /^10\.96\./,
      ),
    ).toMatch(/^10\.96\./);
    expect(await probeFrom(stranger, tcpProbe('10.96.0.1', 443), images.node, /^closed/)).toMatch(/^closed/);
  });

  it('when the Postgres pod is killed, then it comes back on the same volume with the orders', async () => {
    const orders = psql('SELECT count(*) FROM orders');
    expect(Number(orders)).toBeGreaterThan(0);
    const pod = pods('app.kubernetes.io/component=database')[0];
    const claim = pod.spec.volumes.find((v: any) => v.persistentVolumeClaim).persistentVolumeClaim.claimName;
    const volume = kJson(['get', 'pvc', claim, '-n', ns]).spec.volumeName;
    k(['delete', 'pod', pod.metadata.name, '-n', ns, '--grace-period=0', '--force']);
    await waitFor(
      'a new Postgres pod Ready',
      () => {
        const next = pods('app.kubernetes.io/component=database')[0];
        const ready = next?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True');
        return next && next.metadata.uid !== pod.metadata.uid && ready ? next : undefined;
      },
      300_000,
    );
    expect(kJson(['get', 'pvc', claim, '-n', ns]).spec.volumeName).toBe(volume);
    expect(psql('SELECT count(*) FROM orders')).toBe(orders);
  });

  it('when the Storefront is deleted and re-created (deletionPolicy Retain), then the same data and password serve the shop', async () => {
    const secretName = (pods('app.kubernetes.io/component=database')[0].spec.containers[0].env as any[]).find(
      (e) => e.name === 'POSTGRES_PASSWORD',
    ).valueFrom.secretKeyRef.name;
    const password = kJson(['get', 'secret', secretName, '-n', ns]).data.password;
    const orders = psql('SELECT count(*) FROM orders');
    k(['delete', 'storefront', name, '-n', ns, '--wait=true', '--timeout=300s']);
    await waitFor(
      "the Storefront's pods gone",
      () =>
        pods(`app.kubernetes.io/instance=${name},app.kubernetes.io/component=database`).length === 0
          ? true
          : undefined,
      300_000,
    );
    expect(kJson(['get', 'secret', secretName, '-n', ns]).data.password).toBe(password);
    k(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({ ...example, spec: withLocalImages(example.spec, images) }),
    );
    await waitReady(ns, name, 900_000);
    expect(kJson(['get', 'secret', secretName, '-n', ns]).data.password).toBe(password);
    expect(psql('SELECT count(*) FROM orders')).toBe(orders);
    await frontDoorServes(port, host, ca, '/', {
      what: 'the front door to serve the re-created shop',
      accept: (res) => /<li class="card">/.test(res.body),
    });
  });
});

/** psql in this Storefront's Postgres pod (test/node/shop-data.ts). */
const psql = (sql: string) => shopPsql(ns, name, sql);
