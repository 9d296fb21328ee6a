// The kind workflow's steps on the real node: the operator runs as a pod installed by
// charts/storefront-operator — its own image built here from the Dockerfile, the chart's
// ServiceAccount, RBAC and NetworkPolicy, in a namespace enforcing Pod Security `restricted` — and
// reconciles examples/minimal.yaml until the shop serves through the front door, with no request
// of its refused (least privilege is enough). Then the shop's image goes v1 -> v2 while clients
// keep requesting pages and creating carts through the front door, and not one request fails.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { auditMark } from '../cluster/audit.ts';
import { versionedStylesheet } from '../cluster/node/project-images.ts';
import { withLocalImages } from '../cluster/node/storefront-images.ts';
import {
  cleanupNamespaces,
  forbiddenLines,
  helm,
  helmTry,
  serviceAccountUser,
  writesBy,
} from '../operator/chart-support.ts';
import {
  cluster,
  installCrd,
  k,
  kJson,
  kTry,
  ROOT,
  restrictedNamespace,
  waitFor,
  waitReady,
} from '../operator/support.ts';
import {
  frontDoorPort,
  frontDoorServes,
  httpsRequest,
  localImages,
  shopVersion,
  storefrontCa,
} from './support.ts';

const example = parse(readFileSync(join(ROOT, 'examples/minimal.yaml'), 'utf8'));
const name: string = example.metadata.name;
// Not the example's host: test/node/storefront.test.ts serves that one from another namespace,
// and the stand-in must never route this Storefront's requests to that one's (maybe dying) app.
const host = 'chart.localtest.me';
// The release name contains the chart's, so every object (and the ServiceAccount) is called this.
const release = 'storefront-operator';
const operatorSelector = `app.kubernetes.io/instance=${release},app.kubernetes.io/name=storefront-operator`;

let opNs = '';
let shopNs = '';
let port: number;
let ca: string;
let auditSince = 0;
let images: Awaited<ReturnType<typeof localImages>>;

/** `repository` and `tag` of an image reference `host/path:tag`. */
function splitRef(ref: string): { repository: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  return { repository: ref.slice(0, colon), tag: ref.slice(colon + 1) };
}

function operatorPods(): any[] {
  return kJson(['get', 'pods', '-n', opNs, '-l', operatorSelector]).items;
}

function appPods(): any[] {
  return kJson([
    'get',
    'pods',
    '-n',
    shopNs,
    '-l',
    `app.kubernetes.io/instance=${name},app.kubernetes.io/component=app`,
  ]).items;
}

/** The fingerprinted stylesheet path a page links (it names the shop version that rendered it). */
const stylesheetOf = (html: string) => /href="(\/static\/css\/shop\.[0-9a-f]+\.css)"/.exec(html)?.[1];

beforeAll(async () => {
  images = await localImages();
  port = await frontDoorPort();
  // Short names: the ServiceAccount's user name is checked against the audit log below.
  opNs = restrictedNamespace('sfo');
  const { repository, tag } = splitRef(images.operator);
  // The CRD as this checkout has it (the chart's is the same; another file of the run, or an older
  // checkout on a reused cluster, may have applied one): helm's server-side apply then conflicts
  // with no field, and --take-ownership adopts it.
  installCrd();
  helm([
    'install',
    release,
    join(ROOT, 'charts/storefront-operator'),
    '--namespace',
    opNs,
    '--take-ownership',
    `--set=image.repository=${repository}`,
    `--set=image.tag=${tag}`,
    '--set=image.pullPolicy=Never',
    '--wait',
    '--timeout=10m',
  ]);
  k(['rollout', 'status', `deployment/${release}`, '-n', opNs, '--timeout=10m']);
  auditSince = auditMark(cluster().auditLogPath);
  shopNs = restrictedNamespace('sfo-shop');
  const sf = { ...example, spec: { ...withLocalImages(example.spec, images), host } };
  k(['apply', '-n', shopNs, '-f', '-'], JSON.stringify(sf));
  await waitReady(shopNs, name, 900_000);
  ca = storefrontCa(shopNs, name);
  await frontDoorServes(port, host, ca, '/', {
    what: 'the front door to serve the shop',
    accept: (res) => /<li class="card">/.test(res.body),
  });
});

afterAll(async () => {
  // The Storefront goes while its operator still runs (the finalizer is the operator's).
  if (shopNs) kTry(['delete', 'storefront', name, '-n', shopNs, '--wait=true', '--timeout=120s']);
  if (opNs) helmTry(['uninstall', release, '--namespace', opNs, '--wait', '--timeout=5m']);
  cleanupNamespaces([shopNs, opNs].filter(Boolean));
});

describe('the operator as a pod from its chart on the real node', () => {
  it('when the chart is installed, then the operator pods run its image in real containers under restricted, and helm test passes', async () => {
    // Ready, eventually: on a loaded machine a replica may restart (a leader that cannot renew its
    // Lease in time exits so a clean one takes over); what counts is that both run and are Ready.
    const pods = await waitFor(
      'both operator pods Ready',
      () => {
        const list = operatorPods();
        return list.length === 2 && list.every((p) => p.status.containerStatuses?.[0]?.ready === true)
          ? list
          : undefined;
      },
      600_000,
    );
    for (const pod of pods) {
      expect(pod.spec.nodeName, pod.metadata.name).toBe('localhost');
      expect(pod.spec.serviceAccountName).toBe(release);
      expect(pod.spec.containers[0].image).toBe(images.operator);
      const status = pod.status.containerStatuses[0];
      expect(status.containerID, pod.metadata.name).toMatch(/^containerd:\/\//);
      if (status.restartCount > 0) {
        const previous = kTry(['logs', '-n', opNs, pod.metadata.name, '--previous', '--tail=5']).stdout;
        process.stderr.write(
          `[node] ${pod.metadata.name} restarted ${status.restartCount}x (last: ${JSON.stringify(status.lastState?.terminated ?? {})}); previous log tail:\n${previous}\n`,
        );
      }
    }
    expect(kJson(['get', 'namespace', opNs]).metadata.labels['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    const test = helm(['test', release, '--namespace', opNs, '--logs', '--timeout=5m']);
    expect(test).toMatch(/Phase:\s+Succeeded/);
    expect(test).toContain('/readyz -> 200');
  });

  it('when it reconciles examples/minimal.yaml, then the shop serves and no request of its was refused', async () => {
    const sf = kJson(['get', 'storefront', name, '-n', shopNs]);
    for (const c of sf.status.conditions) expect(`${c.type}=${c.status}`).toBe(`${c.type}=True`);
    const home = await httpsRequest(port, host, ca, '/');
    expect(home.status).toBe(200);
    expect(home.body.match(/<li class="card">/g)?.length ?? 0).toBeGreaterThanOrEqual(6);

    // The writes were the pod's (its ServiceAccount token), and the chart's grants sufficed.
    const user = serviceAccountUser(opNs, release);
    const writes = await writesBy(user, auditSince);
    const done = new Set(
      writes
        .filter((e) => e.objectRef?.namespace === shopNs)
        .map(
          (e) =>
            `${e.verb} ${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`,
        ),
    );
    for (const w of ['create secrets', 'patch deployments', 'patch statefulsets', 'patch storefronts/status'])
      expect(done, w).toContain(w);
    // No request was denied by RBAC. The one other 403 allowed for: a write into a namespace that
    // another test is deleting (admission's NamespaceTerminating; RBAC had said allow), since the
    // chart's operator watches every namespace.
    const terminating = (text: string | undefined) => /because it is being terminated/.test(text ?? '');
    expect(writes.filter((e) => e.annotations?.['authorization.k8s.io/decision'] === 'forbid')).toEqual([]);
    expect(
      writes.filter((e) => e.responseStatus?.code === 403 && !terminating(e.responseStatus.message)),
    ).toEqual([]);
    // Every container's log, a restarted one's previous run included.
    const logs = operatorPods().flatMap((p) => [
      k(['logs', '-n', opNs, p.metadata.name, '--tail=-1']),
      ...(p.status.containerStatuses[0].restartCount > 0
        ? [k(['logs', '-n', opNs, p.metadata.name, '--previous', '--tail=-1'])]
        : []),
    ]);
    expect(logs.join('\n')).toMatch(/controllers started/);
    expect(logs.flatMap(forbiddenLines).filter((l) => !terminating(l))).toEqual([]);
  });

  it('when the app image goes v1 -> v2, then a client loop through the front door sees no failed request and v2 serves at the end', async () => {
    const v2 = await shopVersion('v2');
    const v1Sheet = stylesheetOf((await httpsRequest(port, host, ca, '/')).body);
    const v2Hash = createHash('sha256').update(versionedStylesheet('v2')).digest('hex').slice(0, 16);
    const v2Sheet = `/static/css/shop.${v2Hash}.css`;
    expect(v1Sheet).toMatch(/^\/static\/css\/shop\.[0-9a-f]+\.css$/);
    expect(v1Sheet).not.toBe(v2Sheet);
    const v1Pods = appPods().map((p) => p.metadata.uid as string);
    expect(v1Pods.length).toBeGreaterThanOrEqual(1);

    type Result = { start: number; at: number; what: string; ok: boolean; detail: string; sheet?: string };
    const results: Result[] = [];
    let running = true;
    const json = { 'content-type': 'application/json' };
    // Each worker alternates a page (GET) and a cart creation (POST, which nginx never retries).
    const worker = async (w: number) => {
      for (let i = 0; running; i++) {
        const page = (i + w) % 2 === 0;
        const what = page ? 'GET /' : 'POST /api/carts';
        const start = Date.now();
        try {
          const res = page
            ? await httpsRequest(port, host, ca, '/')
            : await httpsRequest(port, host, ca, '/api/carts', { method: 'POST', headers: json, body: '{}' });
          const sheet = page ? stylesheetOf(res.body) : undefined;
          const ok = page
            ? res.status === 200 &&
              /<li class="card">/.test(res.body) &&
              (sheet === v1Sheet || sheet === v2Sheet)
            : res.status === 201 && typeof JSON.parse(res.body).id === 'string';
          results.push({
            start,
            at: Date.now(),
            what,
            ok,
            detail: `${res.status} ${ok ? '' : res.body.slice(0, 200)}`,
            ...(sheet ? { sheet } : {}),
          });
        } catch (err) {
          results.push({ start, at: Date.now(), what, ok: false, detail: (err as Error).message });
        }
      }
    };
    const workers = [0, 1, 2, 3].map(worker);
    const t0 = Date.now();
    await sleep(3_000);
    k([
      'patch',
      'storefront',
      name,
      '-n',
      shopNs,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { app: { image: v2 } } }),
    ]);
    const patchedAt = Date.now();
    let v1GoneAt = Number.POSITIVE_INFINITY;
    try {
      await waitReady(shopNs, name, 900_000);
      await waitFor(
        'every app pod on v2 and every v1 pod gone',
        () => {
          const pods = appPods();
          const onV2 = pods.every(
            (p) =>
              p.spec.containers[0].image === v2 &&
              p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
          );
          return pods.length > 0 && onV2 && !pods.some((p) => v1Pods.includes(p.metadata.uid))
            ? pods
            : undefined;
        },
        600_000,
      );
      v1GoneAt = Date.now();
      // A few more seconds of load on v2 alone.
      await sleep(5_000);
    } finally {
      running = false;
      await Promise.all(workers);
    }
    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    const failed = results.filter((r) => !r.ok);
    const pages = results.filter((r) => r.sheet);
    const v1After = pages.filter((r) => r.sheet === v1Sheet && r.at > patchedAt).length;
    const v2Served = pages.filter((r) => r.sheet === v2Sheet).length;
    process.stderr.write(
      `[node] rollout v1 -> v2: ${results.length} requests in ${seconds}s (${pages.length} pages, ` +
        `${results.length - pages.length} carts), ${failed.length} failed; pages after the patch: ` +
        `${v1After} from v1, ${v2Served} from v2\n`,
    );
    expect(failed.map((r) => `${new Date(r.at).toISOString()} ${r.what}: ${r.detail}`)).toEqual([]);
    // The loop spanned the rollout: v1 still served after the change, then v2 took over.
    expect(v1After).toBeGreaterThan(0);
    expect(v2Served).toBeGreaterThan(0);
    // Once the v1 pods were gone, every page came from v2.
    const afterV1 = pages.filter((r) => r.start > v1GoneAt);
    expect(afterV1.length).toBeGreaterThan(0);
    expect(afterV1.filter((r) => r.sheet !== v2Sheet)).toEqual([]);
    const deployment = kJson(['get', 'deployment', '-n', shopNs, '-l', 'app.kubernetes.io/component=app'])
      .items[0];
    expect(deployment.spec.template.spec.containers[0].image).toBe(v2);
    expect(deployment.status.updatedReplicas).toBe(deployment.status.replicas);
  });
});
