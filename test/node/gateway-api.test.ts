// examples/gateway-api.yaml on the real node: the operator renders an HTTPRoute (no Ingress) attached
// to the Gateway `public` in gateway-system, whose HTTPS listener names the certificate; the
// front-door stand-in configures itself from that HTTPRoute and Gateway (Gateway API CRDs from the
// gateway-api module's own files) and serves the shop over HTTPS, verified with the Storefront's CA.
// Then the certificate reaches its renewal time while a client loop runs through the front door:
// the operator renews it on its clock and the front door serves the new one without a failed request.
//
// Two settings differ from the example, each because of this machine, not the product: TLS is the
// operator's own (`selfSigned`; no cert-manager controller, and no ACME server, can run here), and
// `networkPolicy.ingressControllerNamespace` is the namespace the stand-in's proxy pod runs in
// (as with real Gateway implementations, whose proxies run in the controller's namespace, not in
// the Gateway's).

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ensureSelfSignedTls, renewalTime } from '../../operator/observe/self-signed-tls.ts';
import { testCluster } from '../cluster/context.ts';
import { withLocalImages } from '../cluster/node/storefront-images.ts';
import { gatewayApiCrdFiles, installCrds } from '../cluster/third-party-crds.ts';
import {
  installCrd,
  k,
  kJson,
  kTry,
  type OperatorProcess,
  patchSecretData,
  ROOT,
  restrictedNamespace,
  startOperator,
  waitFor,
  waitReady,
} from '../operator/support.ts';
import { type RequestLoop, startRequestLoop } from './request-loop.ts';
import {
  frontDoorPort,
  frontDoorServes,
  httpsRequest,
  INGRESS_NAMESPACE,
  localImages,
  storefrontCa,
  syncFront,
} from './support.ts';

const example = parse(readFileSync(join(ROOT, 'examples/gateway-api.yaml'), 'utf8'));
const host: string = example.spec.host;
const name: string = example.metadata.name;
const parent = example.spec.ingress.gateway.parentRefs[0];
const GATEWAY_CLASS = 'storefront-front-door-stand-in';

let ns: string;
let operator: OperatorProcess;
let port: number;
let ca: string;
let loop: RequestLoop | undefined;

function applyAll(items: unknown[]): void {
  k(
    ['apply', '--server-side', '--field-manager=gateway-api-test', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
  );
}

const tlsSecret = () => kJson(['get', 'secret', `${name}-tls`, '-n', ns]);
const leafOf = (secret: any) => new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));

describe('examples/gateway-api.yaml on the real node', () => {
  beforeAll(async () => {
    const images = await localImages();
    port = await frontDoorPort();
    installCrd();
    installCrds(testCluster(), gatewayApiCrdFiles());
    ns = restrictedNamespace('sf-gateway');
    // The Gateway the example attaches to: an HTTPS listener named by its sectionName whose
    // certificate is the Storefront's TLS Secret (in the Storefront's namespace: readable under
    // the ReferenceGrant the operator renders), and the HTTP listener its redirect route uses.
    applyAll([
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name: GATEWAY_CLASS },
        spec: { controllerName: 'storefront.dev/front-door-stand-in' },
      },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: parent.namespace } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: parent.name, namespace: parent.namespace },
        spec: {
          gatewayClassName: GATEWAY_CLASS,
          listeners: [
            {
              name: parent.sectionName,
              protocol: 'HTTPS',
              port: 443,
              hostname: host,
              tls: {
                mode: 'Terminate',
                certificateRefs: [{ group: '', kind: 'Secret', name: `${name}-tls`, namespace: ns }],
              },
              allowedRoutes: { namespaces: { from: 'All' } },
            },
            {
              name: parent.redirectSectionName,
              protocol: 'HTTP',
              port: 80,
              hostname: host,
              allowedRoutes: { namespaces: { from: 'All' } },
            },
          ],
        },
      },
    ]);
    operator = startOperator();
    const spec = withLocalImages(example.spec, images);
    spec['ingress'] = { ...spec['ingress'], tls: { mode: 'selfSigned' } };
    spec['networkPolicy'] = { ...spec['networkPolicy'], ingressControllerNamespace: INGRESS_NAMESPACE };
    k(['apply', '-n', ns, '-f', '-'], JSON.stringify({ ...example, spec }));
    await waitReady(ns, name, 900_000);
    ca = storefrontCa(ns, name);
    await frontDoorServes(port, host, ca, '/', {
      what: 'the front door to serve the shop from the HTTPRoute',
    });
  });

  afterAll(async () => {
    await loop?.stop(); // a failed assertion must not leave the client loop running
    await operator?.kill();
    if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
    kTry(['delete', 'gateway', parent.name, '-n', parent.namespace, '--ignore-not-found']);
    kTry(['delete', 'gatewayclass', GATEWAY_CLASS, '--ignore-not-found']);
    kTry(['delete', 'namespace', parent.namespace, '--wait=false', '--ignore-not-found']);
  });

  it('when the example is reconciled, then only its HTTPRoute routes the host and the front door serves the shop with the Gateway listener certificate', async () => {
    const route = kJson(['get', 'httproute', name, '-n', ns]);
    expect(route.spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        name: parent.name,
        namespace: parent.namespace,
        sectionName: parent.sectionName,
      },
    ]);
    expect(route.spec.hostnames).toEqual([host]);
    // No Ingress anywhere names the host: what serves it came from the HTTPRoute.
    const ingressHosts = kJson(['get', 'ingresses', '-A']).items.flatMap((i: any) =>
      (i.spec.rules ?? []).map((r: any) => r.host),
    );
    expect(ingressHosts).not.toContain(host);

    // The shop's home page (the example seeds no demo catalog, so it lists no products).
    const home = await httpsRequest(port, host, ca, '/');
    expect(home.status).toBe(200);
    expect(home.body).toContain('· Storefront</title>');
    expect(home.body).toContain('<section class="hero">');
    expect(home.cert.subjectaltname).toContain(`DNS:${host}`);
    expect(home.cert.serialNumber).toBe(leafOf(tlsSecret()).serialNumber);
    // The HTTPRoute's backend is the whole shop: its API reads the catalog and writes a cart.
    const products = await httpsRequest(port, host, ca, '/api/products');
    expect(products.status).toBe(200);
    expect(products.headers['content-type']).toMatch(/^application\/json/);
    const cart = await httpsRequest(port, host, ca, '/api/carts', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(cart.status, cart.body).toBe(201);
    expect(JSON.parse(cart.body).id).toBeDefined();

    // The Gateway reads the certificate across namespaces under the operator's ReferenceGrant,
    // which grants that one Secret to the Gateway's namespace only.
    const grant = kJson(['get', 'referencegrants', '-n', ns]).items.map((g: any) => g.spec);
    expect(grant).toEqual([
      {
        from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: parent.namespace }],
        to: [{ group: '', kind: 'Secret', name: `${name}-tls` }],
      },
    ]);
  });

  it('when the certificate reaches its renewal time while clients call the front door, then the operator renews it and the new one is served without a failed request', async () => {
    const original = leafOf(tlsSecret());
    // A leaf from the Storefront's own CA whose renewal time (two thirds of its life) is ~90 s
    // away: the operator keeps it (still good) and renews it on its clock when that time comes.
    const caSecret = kJson(['get', 'secret', `${name}-tls-ca`, '-n', ns]).data;
    const DAY = 86_400_000;
    const due = await ensureSelfSignedTls(
      name,
      [host],
      {
        caCertificate: Buffer.from(caSecret['ca.crt'], 'base64').toString(),
        caPrivateKey: Buffer.from(caSecret['ca.key'], 'base64').toString(),
      },
      new Date(Date.now() - 60 * DAY + 190_000),
    );
    const dueLeaf = new X509Certificate(due.material.certificate);
    const untilRenewal = renewalTime(dueLeaf).getTime() - Date.now();
    expect(untilRenewal).toBeGreaterThan(45_000);
    expect(untilRenewal).toBeLessThan(180_000);

    loop = startRequestLoop({ port, host, ca });
    const running = loop;
    const seen = (serial: string) => running.results().some((r) => r.serial === serial);
    await waitFor('the loop to get answers with the original certificate', () => seen(original.serialNumber));
    patchSecretData(ns, `${name}-tls`, {
      'tls.crt': due.material.certificate,
      'tls.key': due.material.privateKey,
    });
    // Usually served before its renewal time comes; on a slow machine the renewal may come first.
    await waitFor(
      'the front door to serve the certificate due for renewal (or its renewal)',
      () => {
        syncFront();
        return seen(dueLeaf.serialNumber) || leafOf(tlsSecret()).serialNumber !== dueLeaf.serialNumber;
      },
      180_000,
    );
    const renewed = await waitFor(
      'the operator to renew the certificate and the front door to serve it',
      () => {
        syncFront();
        const leaf = leafOf(tlsSecret());
        return leaf.serialNumber !== dueLeaf.serialNumber && seen(leaf.serialNumber) ? leaf : undefined;
      },
      300_000,
    );
    // A few more seconds of traffic on the new certificate, then the verdict.
    await new Promise((r) => setTimeout(r, 5_000));
    const results = await running.stop();
    loop = undefined;

    const failed = results.filter((r) => r.status !== 200);
    expect(failed, JSON.stringify(failed.slice(0, 5))).toEqual([]);
    const serials = results.map((r) => r.serial);
    process.stderr.write(
      `[gateway-api] ${results.length} requests through the front door in ${((results.at(-1)!.at ?? 0) / 1000).toFixed(1)} s, ${failed.length} failed; served serials in order: ${[...new Set(serials)].join(' -> ')}\n`,
    );
    // In order: the original, the one due for renewal (when served before it was renewed), the renewed.
    const order = [...new Set(serials)];
    expect([
      [original.serialNumber, dueLeaf.serialNumber, renewed.serialNumber],
      [original.serialNumber, renewed.serialNumber],
    ]).toContainEqual(order);
    expect(serials.at(-1)).toBe(renewed.serialNumber);
    // The renewed leaf: from the same CA, for the host, with a later expiry than the one it replaced.
    expect(renewed.verify(new X509Certificate(ca).publicKey)).toBe(true);
    expect(renewed.checkHost(host)).toBe(host);
    expect(new Date(renewed.validTo).getTime()).toBeGreaterThan(new Date(dueLeaf.validTo).getTime());
    expect(renewalTime(renewed).getTime()).toBeGreaterThan(Date.now() + 59 * DAY);
    const events = kJson(['get', 'events', '-n', ns, '--field-selector', 'reason=CertificateIssued']).items;
    expect(events.map((e: any) => e.message).join('\n')).toContain('issued a new leaf certificate');
  });
});
