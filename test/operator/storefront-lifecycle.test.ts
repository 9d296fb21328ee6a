// The operator on the real control plane: create, update, drift, deletion with Retain and Delete,
// and zero writes on a no-op resync (counted in the API server's audit log).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditMark, auditWrites } from '../cluster/audit.ts';
import {
  cluster,
  k,
  kJson,
  kTry,
  OPERATOR_USER,
  operatorSuite,
  storefrontDoc,
  waitFor,
  waitReady,
} from './support.ts';

// A short resync so the zero-write test sees several full resyncs.
const suite = operatorSuite(['sf-life'], () => ['--resync', '3s', '--no-leader-elect'], {
  env: { LOG_LEVEL: 'debug' },
});
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});

const secretPassword = (name: string) =>
  Buffer.from(kJson(['get', 'secret', name, '-n', ns]).data.password, 'base64').toString();

describe('the Storefront operator', () => {
  it('when a Storefront is created, then every object exists, owned, admitted under restricted, and it turns Ready', async () => {
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('alpha'));
    const sf = await waitReady(ns, 'alpha');
    expect(sf.status.url).toBe('https://alpha.example.com/');
    for (const c of sf.status.conditions) expect(c.observedGeneration).toBe(sf.metadata.generation);
    expect(sf.metadata.finalizers).toContain('storefront.dev/finalizer');

    const rendered = JSON.parse(
      k([
        '--namespace',
        ns,
        'get',
        'deploy,sts,svc,netpol,sa,pdb,job,ingress,secret,configmap',
        '-l',
        'storefront.dev/storefront=alpha',
        '-o',
        'json',
      ]),
    ).items;
    const kinds = new Set(rendered.map((o: { kind: string }) => o.kind));
    for (const kind of [
      'Deployment',
      'StatefulSet',
      'Service',
      'NetworkPolicy',
      'ServiceAccount',
      'PodDisruptionBudget',
      'Job',
      'Ingress',
      'Secret',
      'ConfigMap',
    ]) {
      expect(kinds.has(kind), kind).toBe(true);
    }
    for (const o of rendered) {
      const retained = o.metadata.annotations?.['storefront.dev/retain-on-delete'] === 'true';
      const owners = (o.metadata.ownerReferences ?? []).map((r: { uid: string }) => r.uid);
      expect(owners.includes(sf.metadata.uid), `${o.kind}/${o.metadata.name} owned`).toBe(!retained);
    }
    // Every pod was admitted in a namespace that enforces restricted: the workloads are running.
    const pods = kJson(['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/instance=alpha']).items;
    expect(pods.length).toBeGreaterThanOrEqual(4);
    const events = kJson(['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=alpha']).items;
    expect(events.map((e: { reason: string }) => e.reason)).toContain('Applied');
  });

  it('when replicas, image and rate limit change, then they are applied and unrelated objects are untouched', async () => {
    const redisBefore = kJson(['get', 'deployment', 'alpha-redis', '-n', ns]).metadata.resourceVersion;
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('alpha', {
        app: { replicas: 3, image: 'ghcr.io/storefront-dev/storefront-shop:0.2.0' },
        ingress: { rateLimit: { requestsPerSecond: 7 } },
      }),
    );
    const sf = await waitReady(ns, 'alpha');
    expect(sf.metadata.generation).toBe(2);
    const dep = kJson(['get', 'deployment', 'alpha-app', '-n', ns]);
    expect(dep.spec.replicas).toBe(3);
    expect(dep.spec.template.spec.containers[0].image).toBe('ghcr.io/storefront-dev/storefront-shop:0.2.0');
    expect(
      kJson(['get', 'ingress', 'alpha', '-n', ns]).metadata.annotations[
        'nginx.ingress.kubernetes.io/limit-rps'
      ],
    ).toBe('7');
    // The new version got its own migration Job; the old one was pruned.
    const jobs = kJson(['get', 'jobs', '-n', ns, '-l', 'storefront.dev/storefront=alpha']).items;
    expect(jobs).toHaveLength(1);
    expect(kJson(['get', 'deployment', 'alpha-redis', '-n', ns]).metadata.resourceVersion).toBe(redisBefore);
  });

  it('when a child is deleted or a field we own is edited by hand, then it is restored', async () => {
    k(['delete', 'service', 'alpha-redis', '-n', ns]);
    k(['patch', 'deployment', 'alpha-app', '-n', ns, '--type', 'merge', '-p', '{"spec":{"replicas":1}}']);
    await waitFor('service restored', () => kTry(['get', 'service', 'alpha-redis', '-n', ns]).status === 0);
    await waitFor(
      'replicas restored',
      () => kJson(['get', 'deployment', 'alpha-app', '-n', ns]).spec.replicas === 3,
    );
  });

  it('when nothing changes, then a full resync makes zero writes', async () => {
    await waitReady(ns, 'alpha');
    const reconciles = () =>
      readFileSync(suite.op.logFile, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"msg":"reconciled"') && l.includes(`"storefront":"${ns}/alpha"`)).length;
    // Settled: the rollout the previous test caused is over (the status the operator reports no
    // longer moves), then a whole reconcile finished after that (its status write, if any, is done).
    await waitFor('the app rollout to finish', () => {
      const d = kJson(['get', 'deployment', 'alpha-app', '-n', ns]);
      const s = d.status ?? {};
      return (
        s.observedGeneration === d.metadata.generation &&
        s.replicas === d.spec.replicas &&
        s.updatedReplicas === d.spec.replicas &&
        s.readyReplicas === d.spec.replicas &&
        s.availableReplicas === d.spec.replicas
      );
    });
    const settled = reconciles();
    await waitFor('a reconcile after Ready', () => reconciles() > settled);
    const before = reconciles();
    const mark = auditMark(cluster().auditLogPath);
    // Wait for resyncs to happen (events in the log), not for a fixed time.
    await waitFor('two full resyncs', () => reconciles() - before >= 2, 120_000);
    const writes = await auditWrites({
      auditLogPath: cluster().auditLogPath,
      user: OPERATOR_USER,
      sinceOffset: mark,
      namespace: ns,
    });
    // Named on failure: which objects were written, so a flapping status reads as such.
    expect(
      writes.map(
        (e) =>
          `${e.verb} ${e.objectRef?.resource}/${e.objectRef?.name}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''}`,
      ),
    ).toEqual([]);
    // The resyncs really happened in that window (a dead operator would also write nothing).
    expect(reconciles() - before).toBeGreaterThanOrEqual(2);
  });

  it('when deleted with Retain and re-created, then the same volume is bound and the password is unchanged', async () => {
    const pvcUid = kJson(['get', 'pvc', 'data-alpha-postgres-0', '-n', ns]).metadata.uid;
    const password = secretPassword('alpha-postgres-credentials');
    k(['delete', 'storefront', 'alpha', '-n', ns, '--wait=true', '--timeout=120s']);
    await waitFor('children garbage-collected', () =>
      kTry(['get', 'deployment', 'alpha-app', '-n', ns]).stderr.includes('(NotFound)'),
    );
    expect(kJson(['get', 'pvc', 'data-alpha-postgres-0', '-n', ns]).metadata.uid).toBe(pvcUid);
    expect(secretPassword('alpha-postgres-credentials')).toBe(password);

    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('alpha'));
    await waitReady(ns, 'alpha');
    const pvc = kJson(['get', 'pvc', 'data-alpha-postgres-0', '-n', ns]);
    expect(pvc.metadata.uid).toBe(pvcUid);
    expect(pvc.status.phase).toBe('Bound');
    expect(secretPassword('alpha-postgres-credentials')).toBe(password);
  });

  it('when deleted with Delete, then nothing of ours is left', async () => {
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('beta', { deletionPolicy: 'Delete' }));
    await waitReady(ns, 'beta');
    k(['delete', 'storefront', 'beta', '-n', ns, '--wait=true', '--timeout=120s']);
    await waitFor('everything of beta gone', () => {
      const left = kJson([
        'get',
        'deploy,sts,svc,netpol,sa,pdb,job,ingress,secret,configmap,pvc',
        '-n',
        ns,
        '-l',
        'storefront.dev/storefront=beta',
      ]).items;
      return left.length === 0;
    });
  });
});
