// Shared by the real-node tests: the images the Storefront runs (built here, imported into the
// node's containerd), the front-door stand-in, an HTTPS client that connects to the host's
// loopback relay while speaking TLS (SNI, certificate check) for the Storefront's host, and the
// wait until the front door serves a Storefront.
import { request } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { testCluster } from '../cluster/context.ts';
import { kubectl } from '../cluster/harness.ts';
import { nodeBaseImage, type PostgresMajor, postgresImage } from '../cluster/node/base-images.ts';
import { syncFrontDoor } from '../cluster/node/front-door.ts';
import { controlPlaneOf, loadImages, readNode, startFrontDoor } from '../cluster/node/node.ts';
import { shopImage, shopVersionImage } from '../cluster/node/project-images.ts';
import { type LocalImages, storefrontImages } from '../cluster/node/storefront-images.ts';
import { kJson, waitFor } from '../operator/support.ts';

export const INGRESS_NAMESPACE = 'ingress-nginx';

let images: Promise<LocalImages> | undefined;

/** Builds (or finds cached) and imports the images a Storefront runs on the real node. */
export function localImages(): Promise<LocalImages> {
  images ??= storefrontImages(testCluster().stateDir, (l) => process.stderr.write(`[node] ${l}\n`));
  return images;
}

const postgresImages = new Map<PostgresMajor, Promise<string>>();

/**
 * The local Postgres image of `major` (17 is the default image; 15, from bookworm, is built on first
 * use), imported into the node's containerd; its reference for `database.image`.
 */
export function localPostgresImage(major: PostgresMajor): Promise<string> {
  let ref = postgresImages.get(major);
  if (!ref) {
    ref = postgresImage(major).then((image) => {
      loadImages(testCluster().stateDir, [image]);
      return image.ref;
    });
    postgresImages.set(major, ref);
  }
  return ref;
}

/** A later shop version (`shopVersionImage`: v1 with a changed stylesheet), imported into the node. */
export async function shopVersion(version: string): Promise<string> {
  const image = await shopVersionImage(await shopImage(await nodeBaseImage()), version);
  loadImages(testCluster().stateDir, [image]);
  return image.ref;
}

/** The front-door stand-in's host port (started once per cluster). */
export async function frontDoorPort(): Promise<number> {
  const stateDir = testCluster().stateDir;
  const running = readNode(stateDir)?.frontDoor;
  if (running) return running.port;
  return startFrontDoor(controlPlaneOf(stateDir), INGRESS_NAMESPACE, (l) =>
    process.stderr.write(`[node] ${l}\n`),
  );
}

/** What this file's last sync made the stand-in serve (its digest). */
let lastSync: string | undefined;

/**
 * One sync of the stand-in with the cluster's Ingresses/HTTPRoutes and their TLS Secrets; nginx
 * reloads only when what it serves changed (each reload briefly races new connections).
 */
export function syncFront(): void {
  lastSync = syncFrontDoor(
    (args, input) => kubectl(testCluster(), args, input === undefined ? {} : { input }),
    INGRESS_NAMESPACE,
    lastSync,
  );
}

/** The CA that signed the certificate of Storefront `name` in `ns` (its TLS Secret's ca.crt). */
export function storefrontCa(ns: string, name: string): string {
  const secret = kJson(['get', 'secret', '-n', ns, '-l', `app.kubernetes.io/instance=${name}`]).items.find(
    (s: any) => s.type === 'kubernetes.io/tls',
  );
  if (!secret?.data?.['ca.crt']) throw new Error(`Storefront ${ns}/${name}: no TLS Secret with a ca.crt`);
  return Buffer.from(secret.data['ca.crt'], 'base64').toString();
}

/**
 * Waits until `path` on `host` answers 200 (and passes `accept`) on two connections in a row
 * through the front door at 127.0.0.1:`port`, trusting only `ca`; returns the second answer.
 * The stand-in is synced only after a miss, never on every poll: a connection taken by a worker of
 * the previous configuration right after a reload is refused with "tlsv1 unrecognized name" (seen:
 * an order failed that way right after a 200).
 */
export function frontDoorServes(
  port: number,
  host: string,
  ca: string,
  path: string,
  opts: { what?: string; accept?: (res: HttpsResponse) => boolean; timeoutMs?: number } = {},
): Promise<HttpsResponse> {
  const served = async () => {
    const res = await httpsRequest(port, host, ca, path).catch(() => undefined);
    return res?.status === 200 && (opts.accept?.(res) ?? true) ? res : undefined;
  };
  return waitFor(
    opts.what ?? `the front door to serve https://${host}${path}`,
    async () => {
      if (!(await served())) {
        syncFront();
        return undefined;
      }
      return served();
    },
    opts.timeoutMs ?? 300_000,
  );
}

export type HttpsResponse = {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  cert: PeerCertificate;
};

/** HTTPS to `host` through 127.0.0.1:`port`, trusting only `ca` (the Storefront's CA). */
export function httpsRequest(
  port: number,
  host: string,
  ca: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: host,
        ca,
        path,
        method: opts.method ?? 'GET',
        headers: { host, ...opts.headers },
        agent: false,
        timeout: 30_000,
      },
      (res) => {
        const cert = (res.socket as import('node:tls').TLSSocket).getPeerCertificate();
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cert }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`https://${host}${path}: timed out`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}
