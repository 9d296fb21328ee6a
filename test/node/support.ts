// Shared by the real-node tests: the images the Storefront runs (built here, imported into the
// node's containerd), the front-door stand-in, and an HTTPS client that connects to the host's
// loopback relay while speaking TLS (SNI, certificate check) for the Storefront's host.
import { request } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { testCluster } from '../cluster/context.ts';
import { kubectl } from '../cluster/harness.ts';
import { nodeBaseImage, type PostgresMajor, postgresImage } from '../cluster/node/base-images.ts';
import { syncFrontDoor } from '../cluster/node/front-door.ts';
import { controlPlaneOf, loadImages, readNode, startFrontDoor } from '../cluster/node/node.ts';
import { shopImage, shopVersionImage } from '../cluster/node/project-images.ts';
import { type LocalImages, storefrontImages } from '../cluster/node/storefront-images.ts';

export const INGRESS_NAMESPACE = 'ingress-nginx';

let images: Promise<LocalImages> | undefined;

/** Builds (or finds cached) and imports the images a Storefront runs on the real node. */
export function localImages(): Promise<LocalImages> {
  images ??= storefrontImages(testCluster().stateDir, (l) => process.stderr.write(`[node] ${l}\n`));
  return images;
}

const postgresImages = new Map<PostgresMajor, Promise<string>>();

/**
 * The local Postgres image of `major` (15 is the default image, 17 is built from trixie on first
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

/** One sync of the stand-in with the cluster's Ingresses/HTTPRoutes and their TLS Secrets. */
export function syncFront(): void {
  syncFrontDoor(
    (args, input) => kubectl(testCluster(), args, input === undefined ? {} : { input }),
    INGRESS_NAMESPACE,
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
