// Backups to an S3-compatible bucket on the real node (issue 15), round trip: orders placed
// through the front door → `storefront backup create` with destination s3 → the objects in the
// bucket (manifest last, checksums matching) → `storefront backup list` reading the bucket → a new
// Storefront with restore.from.s3 serves every order and the stock.
//
// The bucket: the S3 server of the script tests (gofakes3 behind our SigV4 check) run inside the
// node's network namespace — which has no uplink — on the node IP (on that namespace's lo). Pods
// have no route to the node IP itself (only to the pod and Service ranges), so they reach it as
// the API server is reached: a Service without selector whose EndpointSlice is the node IP and the
// server's port (kube-proxy DNATs to it, delivered locally in the namespace). The endpoint is the
// Service's ClusterIP; the NetworkPolicy allows the node IP as a /32 on the server's port (the
// firewall sees the destination after DNAT). The test's own requests enter the namespace too
// (nsenter). Nothing is sent anywhere else. The Postgres image is the node's, which like the official one has
// no curl (checked below): the bucket's side of the pods runs in the shop image.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { testCluster } from '../cluster/context.ts';
import { netnsPath, routeGet } from '../cluster/node/containment.ts';
import { readNode } from '../cluster/node/node.ts';
import { withLocalImages } from '../cluster/node/storefront-images.ts';
import { sf as cli, explain } from '../deploy/support.ts';
import {
  condition,
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
import { type S3Server, s3Keys, s3Request, startS3Server } from '../support/s3-server.ts';
import { placeOrders, podsOf, psql, type ShopData, shopData } from './shop-data.ts';
import { frontDoorPort, frontDoorServes, httpsRequest, localImages, storefrontCa } from './support.ts';

const example = parse(readFileSync(join(ROOT, 'examples/minimal.yaml'), 'utf8'));
const BUCKET = 'shop-backups';
/** The Storefront that backs up, and the new one that restores its backup from the bucket. */
const OLD = 's3shop';
const NEW = 's3restored';
const hosts: Record<string, string> = { [OLD]: 's3-shop.localtest.me', [NEW]: 's3-restored.localtest.me' };

let ns: string;
let operator: OperatorProcess;
let port: number;
let images: Awaited<ReturnType<typeof localImages>>;
let s3: S3Server;
let nodeIp: string;
/** http://<ClusterIP of Service s3>:80, the endpoint the pods use. */
let endpoint: string;

/** destination.s3 / restore.from.s3 for the bucket in the node's namespace. */
const s3Spec = (prefix: string) => ({
  endpoint,
  bucket: BUCKET,
  prefix,
  credentialsSecret: { name: 's3-credentials' },
  egress: [{ cidr: `${nodeIp}/32`, ports: [s3.port] }],
});

function storefrontDoc(name: string, database: Record<string, unknown>): string {
  const spec = withLocalImages({ ...example.spec, host: hosts[name], deletionPolicy: 'Delete' }, images);
  return JSON.stringify({
    apiVersion: example.apiVersion,
    kind: 'Storefront',
    metadata: { name },
    spec: { ...spec, database: { ...spec['database'], ...database } },
  });
}

/** The newest pod of Job `job`. */
const jobPod = (job: string) =>
  kJson(['get', 'pods', '-n', ns, '-l', `job-name=${job}`]).items.sort((a: any, b: any) =>
    a.metadata.creationTimestamp < b.metadata.creationTimestamp ? 1 : -1,
  )[0];
/** [container, image, exit code] of a finished pod, init containers first. */
const ranIn = (pod: any) =>
  [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])].map((s: any) => [
    s.name,
    s.image,
    s.state?.terminated?.exitCode,
  ]);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const get = (key: string) => {
  const r = s3Request(s3, 'GET', `/${BUCKET}/${key}`);
  if (r.status !== 200) throw new Error(`GET ${key}: HTTP ${r.status} ${r.body}`);
  return r.body;
};

describe('backups to an S3 bucket on the real node', () => {
  let before: ShopData;
  let orderIds: string[];
  let backup: string;

  beforeAll(async () => {
    images = await localImages();
    port = await frontDoorPort();
    const node = readNode(testCluster().stateDir);
    if (!node) throw new Error('no real node in this cluster');
    nodeIp = node.nodeIp;
    s3 = await startS3Server([BUCKET], { netns: netnsPath(node.netns), address: nodeIp });
    installCrd();
    ns = restrictedNamespace('sf-backup-s3');
    operator = startOperator();
    k(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 's3' },
            spec: { ports: [{ name: 'http', port: 80, targetPort: s3.port, protocol: 'TCP' }] },
          },
          {
            apiVersion: 'discovery.k8s.io/v1',
            kind: 'EndpointSlice',
            metadata: { name: 's3-node', labels: { 'kubernetes.io/service-name': 's3' } },
            addressType: 'IPv4',
            endpoints: [{ addresses: [nodeIp], conditions: { ready: true } }],
            ports: [{ name: 'http', port: s3.port, protocol: 'TCP' }],
          },
        ],
      }),
    );
    endpoint = `http://${kJson(['get', 'service', 's3', '-n', ns]).spec.clusterIP}:80`;
    k(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's3-credentials' },
        stringData: { AWS_ACCESS_KEY_ID: s3.accessKey, AWS_SECRET_ACCESS_KEY: s3.secretKey },
      }),
    );
    k(
      ['apply', '-n', ns, '-f', '-'],
      storefrontDoc(OLD, {
        // Never on schedule here: the one backup is the one `backup create` takes.
        backup: { schedule: '0 0 1 1 *', retention: { count: 3 }, destination: { s3: s3Spec(`${OLD}/`) } },
      }),
    );
    await waitReady(ns, OLD, 900_000);
  });

  afterAll(async () => {
    await operator?.kill();
    if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
    await s3?.stop();
  });

  it('when the bucket listens on the node IP inside the node namespace, then the host routes the pods nowhere else and the Postgres image has no curl', () => {
    // The address pods connect to is local inside the namespace: delivered there, never routed out.
    const node = readNode(testCluster().stateDir)!;
    const inside = routeGet(nodeIp, node.netns);
    expect(inside.ok && inside.route, JSON.stringify(inside)).toMatch(/^local /);
    // The Postgres image (the Storefront's database.image, what backup.sh and restore.sh run in)
    // has no curl, like the official one: the bucket's side cannot be running there.
    const pg = podsOf(ns, OLD, 'database')[0].metadata.name;
    const curl = kTry(['exec', '-n', ns, pg, '--', 'sh', '-c', 'command -v curl']);
    expect(curl.status, curl.stdout).not.toBe(0);
  });

  it('when shoppers order through the front door, then the orders are in its database', async () => {
    const ca = storefrontCa(ns, OLD);
    await frontDoorServes(port, hosts[OLD]!, ca, '/', { what: 'the front door to serve the shop' });
    orderIds = await placeOrders(port, hosts[OLD]!, ca, 's3-backup');
    expect(Number(psql(ns, OLD, 'SELECT count(*) FROM orders'))).toBe(3);
    before = shopData(ns, OLD);
  });

  it('when `storefront backup create` runs, then the dump, SHA256SUMS and the manifest are in the bucket under the prefix, matching, written by the shop image after the Postgres one', async () => {
    const created = await cli(['backup', 'create', OLD, '-n', ns]);
    expect(created.code, explain(created)).toBe(0);
    const out = created.stdout + created.stderr;
    // The upload container's result line, relayed by the CLI from the pod's termination message.
    const m = new RegExp(
      `backup (\\d{8}T\\d{6}Z) complete to s3://${BUCKET}/${OLD}/ at ${endpoint.replace(/\./g, '\\.')}: (\\d+) bytes, databases: storefront`,
    ).exec(out);
    expect(m, out).not.toBeNull();
    backup = m![1]!;
    expect(s3Keys(s3, BUCKET, `${OLD}/`)).toEqual([
      `${OLD}/${backup}/SHA256SUMS`,
      `${OLD}/${backup}/manifest.json`,
      `${OLD}/${backup}/storefront.dump`,
    ]);
    const dump = get(`${OLD}/${backup}/storefront.dump`);
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP');
    const manifest = JSON.parse(get(`${OLD}/${backup}/manifest.json`).toString());
    expect(manifest).toMatchObject({
      name: backup,
      storefront: OLD,
      size: Number(m![2]),
      databases: [{ name: 'storefront', file: 'storefront.dump', size: dump.length, sha256: sha256(dump) }],
    });
    expect(manifest.postgresVersion).toMatch(/^17\./);
    expect(get(`${OLD}/${backup}/SHA256SUMS`).toString()).toBe(`${sha256(dump)}  storefront.dump\n`);
    // Which image ran what: the bucket check and the upload in the shop image, the dump in Postgres'.
    const job = /Job \S+\/(\S+)/.exec(out)?.[1] ?? '';
    const pod = jobPod(job);
    expect(pod, `the pod of Job ${job}: ${out}`).toBeDefined();
    const image = (ref: string) =>
      ref.includes('/shop:') ? 'shop' : ref.includes('/postgres') ? 'postgres' : ref;
    expect(ranIn(pod).map(([c, ref, code]) => [c, image(ref), code])).toEqual([
      ['bucket-check', 'shop', 0],
      ['backup', 'postgres', 0],
      ['upload', 'shop', 0],
    ]);
  });

  it('when `storefront backup list` runs, then it lists the backup from the bucket with its manifest', async () => {
    const listed = await cli(['backup', 'list', OLD, '-n', ns, '-o', 'json']);
    expect(listed.code, explain(listed)).toBe(0);
    const listing = JSON.parse(listed.stdout);
    const manifest = JSON.parse(get(`${OLD}/${backup}/manifest.json`).toString());
    expect(listing.backups).toEqual([
      expect.objectContaining({
        name: backup,
        status: 'complete',
        size: manifest.size,
        postgresVersion: manifest.postgresVersion.split(' ')[0],
      }),
    ]);
    expect(listed.stderr).toContain(`reads s3://${BUCKET}/${OLD}/ at ${endpoint}`);
  });

  it('when a new Storefront restores the latest backup from the bucket, then every order and the stock are back and the shop serves them', async () => {
    k(
      ['apply', '-n', ns, '-f', '-'],
      storefrontDoc(NEW, { restore: { from: { backup: 'latest', s3: s3Spec(`${OLD}/`) } } }),
    );
    // Finished either way (a failed restore is final: its condition says why, no need to wait on).
    const finished = await waitFor(
      `the restore Job of ${NEW} finished`,
      () => {
        const job = kTry(['get', 'job', `${NEW}-restore`, '-n', ns, '-o', 'json']);
        if (job.status !== 0) return undefined;
        const status = JSON.parse(job.stdout).status ?? {};
        const failed = (status.conditions ?? []).some((c: any) => c.type === 'Failed' && c.status === 'True');
        return status.succeeded === 1 || failed ? { succeeded: status.succeeded === 1 } : undefined;
      },
      900_000,
    );
    expect(finished.succeeded, JSON.stringify(condition(ns, NEW, 'Restored'))).toBe(true);
    const pod = jobPod(`${NEW}-restore`);
    expect(ranIn(pod).map(([c, , code]) => [c, code])).toEqual([
      ['download', 0],
      ['restore', 0],
    ]);
    await waitReady(ns, NEW, 900_000);
    const restored = condition(ns, NEW, 'Restored');
    expect(restored).toMatchObject({ status: 'True', reason: 'Restored' });
    expect(restored?.message).toContain(`s3://${BUCKET}/${OLD}/`);
    expect(shopData(ns, NEW)).toEqual(before);
    const ca = storefrontCa(ns, NEW);
    const served = await frontDoorServes(port, hosts[NEW]!, ca, `/api/orders/${orderIds[0]}`, {
      what: 'the front door to serve the restored shop',
    });
    expect(JSON.parse(served.body).email).toBe('buyer0@example.com');
    for (const [i, id] of orderIds.entries()) {
      const res = await httpsRequest(port, hosts[NEW]!, ca, `/api/orders/${id}`);
      expect(res.status, res.body).toBe(200);
      expect(JSON.parse(res.body).email).toBe(`buyer${i}@example.com`);
    }
  });
});
