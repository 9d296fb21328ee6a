// npm start: the main job on the embedded default. Builds (once) and starts the local control
// plane, installs the CRD, runs the operator in this process, applies examples/minimal.yaml and
// shows its conditions turning Ready; then prints how to use kubectl. Ctrl-C stops it all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../operator/controller/logger.ts';
import { startOperator } from '../operator/controller/operator.ts';
import { ensureCluster, kubectl, kubectlAsync, stopCluster, waitForCrds } from '../test/cluster/harness.ts';

const ROOT = join(import.meta.dirname, '..');
const NAMESPACE = 'storefront-demo';
const EXAMPLE = join(ROOT, 'examples/minimal.yaml');
const keepCluster = process.argv.includes('--keep-cluster');
const exitWhenReady = process.argv.includes('--exit-when-ready');

const say = (line: string) => process.stdout.write(`${line}\n`);

say('storefront: starting the local control plane (the first run builds it from Go modules: 10-30 minutes)');
const cluster = await ensureCluster({ log: (l) => say(`  ${l}`) });
process.env.KUBECONFIG = cluster.kubeconfig;
say(`storefront: control plane ready at ${cluster.apiServerUrl}`);

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

kubectl(cluster, ['apply', '--server-side', '-n', NAMESPACE, '-f', EXAMPLE]);
const name = /name:\s*(\S+)/.exec(readFileSync(EXAMPLE, 'utf8'))![1]!;
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

const stopAll = async () => {
  await operator.stop();
  if (!keepCluster) await stopCluster({ stateDir: cluster.stateDir });
};

if (!ready) {
  say('storefront: the Storefront did not become Ready within 10 minutes; last operator log lines:');
  for (const l of logLines.slice(-20)) process.stdout.write(l);
  await stopAll();
  process.exit(1);
}

say(`storefront: ${NAMESPACE}/${name} is Ready. In another terminal:

  export KUBECONFIG=${cluster.kubeconfig}
  ${cluster.kubectl} get sf -A
  ${cluster.kubectl} get all,netpol,pvc,secret -n ${NAMESPACE}
  ${cluster.kubectl} describe sf ${name} -n ${NAMESPACE}

The pods are simulated by kwok (no containers run here); everything else is the real API server,
controller-manager and scheduler. Ctrl-C stops the operator and the control plane${keepCluster ? ' (--keep-cluster: the control plane stays up; npm run cluster:down stops it)' : ''}.`);

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
