// npm start: the main job on the embedded default. Builds (once) and starts the local control
// plane with a real node (containers in a network namespace with no uplink), builds the images,
// installs the CRD, runs the operator in this process, applies examples/minimal.yaml with the local
// images, shows its conditions turning Ready, and once the shop's home page with products came
// back over HTTPS through the front-door stand-in (verified against the Storefront's CA) prints
// where it is served. Ctrl-C removes everything. `--kwok` (or STOREFRONT_KWOK=1): the fast
// kwok-only cluster (simulated pods, nothing served).

import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createLogger } from '../operator/controller/logger.ts';
import { startOperator } from '../operator/controller/operator.ts';
import { ensureCluster, kubectl, kubectlAsync, stopCluster, waitForCrds } from '../test/cluster/harness.ts';
import { syncFrontDoor } from '../test/cluster/node/front-door.ts';
import { controlPlaneOf, startFrontDoor } from '../test/cluster/node/node.ts';
import { storefrontImages, withLocalImages } from '../test/cluster/node/storefront-images.ts';

const ROOT = join(import.meta.dirname, '..');
const NAMESPACE = 'storefront-demo';
const EXAMPLE = join(ROOT, 'examples/minimal.yaml');
const keepCluster = process.argv.includes('--keep-cluster');
const exitWhenReady = process.argv.includes('--exit-when-ready');
const realNode = !process.argv.includes('--kwok') && process.env['STOREFRONT_KWOK'] !== '1';
const INGRESS_NAMESPACE = 'ingress-nginx';

const say = (line: string) => process.stdout.write(`${line}\n`);

say(
  `storefront: starting the local control plane${realNode ? ' with a real node' : ' (kwok: simulated pods)'} (the first run builds it from Go modules: 10-30 minutes)`,
);
const cluster = await ensureCluster({ ...(realNode ? { realNode: true } : {}), log: (l) => say(`  ${l}`) });
process.env.KUBECONFIG = cluster.kubeconfig;
say(`storefront: control plane ready at ${cluster.apiServerUrl}`);
const kube = (args: string[], input?: string) => kubectl(cluster, args, input === undefined ? {} : { input });
let frontDoorPort = 0;
let images: Awaited<ReturnType<typeof storefrontImages>> | undefined;
if (realNode) {
  say('storefront: building the images (cached by their inputs; the first run takes 10-20 minutes)');
  images = await storefrontImages(cluster.stateDir, (l) => say(`  ${l}`));
  frontDoorPort = await startFrontDoor(controlPlaneOf(cluster.stateDir), INGRESS_NAMESPACE, (l) =>
    say(`  ${l}`),
  );
}

kubectl(cluster, [
  'apply',
  '--server-side',
  '--force-conflicts',
  '-f',
  join(ROOT, 'crds/storefront.dev_storefronts.yaml'),
]);
waitForCrds(cluster, ['crd/storefronts.storefront.dev']);
kubectl(cluster, ['apply', '--server-side', '-f', '-'], {
  input: JSON.stringify({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  }),
});
say(`storefront: CRD installed; namespace ${NAMESPACE} enforces Pod Security "restricted"`);

const logLines: string[] = [];
const operator = await startOperator({
  kubeconfig: cluster.kubeconfig,
  concurrency: 4,
  leaderElection: false,
  healthPort: 0,
  resyncMs: 600_000,
  qps: 50,
  burst: 100,
  logger: createLogger({ destination: { write: (l: string) => void logLines.push(l) } }),
});
say(`storefront: operator running (metrics and health at ${operator.healthUrl})`);

const example = parse(readFileSync(EXAMPLE, 'utf8'));
if (images) example.spec = withLocalImages(example.spec, images);
kubectl(cluster, ['apply', '--server-side', '-n', NAMESPACE, '-f', '-'], { input: JSON.stringify(example) });
const name: string = example.metadata.name;
say(`storefront: applied examples/minimal.yaml as Storefront ${NAMESPACE}/${name}; waiting for Ready\n`);

let last = '';
let ready = false;
const deadline = Date.now() + 10 * 60_000;
while (!ready && Date.now() < deadline) {
  // Asynchronous: the operator runs in this process and must keep reconciling while we poll.
  const sf = JSON.parse(
    await kubectlAsync(cluster, ['get', 'storefront', name, '-n', NAMESPACE, '-o', 'json']),
  ) as {
    status?: { conditions?: { type: string; status: string; reason: string; message: string }[] };
  };
  const conditions = sf.status?.conditions ?? [];
  const table = conditions
    .map((c) => `  ${c.type.padEnd(14)} ${c.status.padEnd(6)} ${c.reason.padEnd(18)} ${c.message}`)
    .join('\n');
  if (table && table !== last) {
    say(`${new Date().toISOString().slice(11, 19)}\n${table}\n`);
    last = table;
  }
  ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  if (!ready) await new Promise((r) => setTimeout(r, 1000));
}

let syncTimer: NodeJS.Timeout | undefined;
const stopAll = async () => {
  if (syncTimer) clearInterval(syncTimer);
  await operator.stop();
  if (!keepCluster) await stopCluster({ stateDir: cluster.stateDir });
};

if (!ready) {
  say('storefront: the Storefront did not become Ready within 10 minutes; last operator log lines:');
  for (const l of logLines.slice(-20)) process.stdout.write(l);
  await stopAll();
  process.exit(1);
}

const usage = `In another terminal:

  export KUBECONFIG=${cluster.kubeconfig}
  ${cluster.kubectl} get sf -A
  ${cluster.kubectl} get all,netpol,pvc,secret -n ${NAMESPACE}
  ${cluster.kubectl} describe sf ${name} -n ${NAMESPACE}
`;
if (!realNode) {
  say(`storefront: ${NAMESPACE}/${name} is Ready. ${usage}
The pods are simulated by kwok (no containers run here); everything else is the real API server,
controller-manager and scheduler. Ctrl-C stops the operator and the control plane${keepCluster ? ' (--keep-cluster: the control plane stays up; npm run cluster:down stops it)' : ''}.`);
} else {
  // The front door follows the rendered Ingress and its TLS Secret (renewals included).
  const host: string = example.spec.host;
  const sync = () => syncFrontDoor(kube, INGRESS_NAMESPACE);
  const tls = JSON.parse(
    kube(['get', 'secrets', '-n', NAMESPACE, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'json']),
  ).items.find((s: { type: string }) => s.type === 'kubernetes.io/tls');
  const caPath = join(cluster.stateDir, `${NAMESPACE}-${name}-ca.crt`);
  writeFileSync(caPath, Buffer.from(tls.data['ca.crt'], 'base64'));
  const ca = readFileSync(caPath, 'utf8');
  const homePage = () =>
    new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: frontDoorPort,
          servername: host,
          ca,
          path: '/',
          headers: { host },
          agent: false,
          timeout: 15_000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () =>
            res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
      req.end();
    });
  let served = false;
  let lastError = '';
  const until = Date.now() + 5 * 60_000;
  while (!served && Date.now() < until) {
    try {
      sync();
      served = /<li class="card">/.test(await homePage());
      if (!served) lastError = 'the home page lists no products yet';
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (!served) await new Promise((r) => setTimeout(r, 2000));
  }
  if (!served) {
    say(`storefront: the shop was not served through the front door within 5 minutes (${lastError})`);
    await stopAll();
    process.exit(1);
  }
  syncTimer = setInterval(() => {
    try {
      sync();
    } catch {}
  }, 5000);
  say(`storefront: the shop is served at https://${host}:${frontDoorPort}/ (CA: ${caPath})`);
  say(
    `  curl --resolve ${host}:${frontDoorPort}:127.0.0.1 --cacert ${caPath} https://${host}:${frontDoorPort}/`,
  );
  say(
    `  browser: ${host} resolves to 127.0.0.1 (localtest.me); open https://${host}:${frontDoorPort}/ and trust ${caPath}`,
  );
  say(`
The shop, Postgres and Redis run in real containers on a real node whose network namespace has no
uplink; the front door is a stand-in (nginx terminating TLS from the rendered Ingress; it does not
interpret ingress-nginx annotations). ${usage}
Ctrl-C stops the operator and removes the cluster, the node, its containers, namespaces and rules${keepCluster ? ' (--keep-cluster: the cluster stays up; npm run cluster:down stops it)' : ''}.`);
}

if (exitWhenReady) {
  await stopAll();
  process.exit(0);
}
const onSignal = async () => {
  say('\nstorefront: stopping');
  await stopAll();
  process.exit(0);
};
process.on('SIGINT', () => void onSignal());
process.on('SIGTERM', () => void onSignal());
