// The operator under failure: SIGKILL at random moments while 20 Storefronts converge, an API
// server restart under a running operator, and two replicas with leader election.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStorefront } from '../../operator/api/validate.ts';
import { render } from '../../operator/render/render.ts';
import { fixedInputs } from '../../operator/render/testdata/fixtures.ts';
import { auditMark, auditWrites } from '../cluster/audit.ts';
import { restartApiServer } from '../cluster/harness.ts';
import {
  cluster,
  installCrd,
  k,
  kJson,
  kTry,
  OPERATOR_USER,
  type OperatorProcess,
  restrictedNamespace,
  startOperator,
  storefrontDoc,
  waitFor,
  waitReady,
} from './support.ts';

const running: OperatorProcess[] = [];
const namespaces: string[] = [];
const start = (...a: Parameters<typeof startOperator>) => {
  const p = startOperator(...a);
  running.push(p);
  return p;
};

beforeAll(() => installCrd());
afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  for (const ns of namespaces) kTry(['delete', 'namespace', ns, '--wait=false']);
});

/** Seeded chaos: CHAOS_SEED replays a run; every kill is logged with what it interrupted. */
const CHAOS_SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHILD_KINDS = 'deploy,sts,svc,netpol,job,ingress,secret,configmap,sa,pdb';

/** How many children each Storefront has right now. */
function childCounts(ns: string): Map<string, number> {
  const children = kJson([
    'get',
    CHILD_KINDS,
    '-n',
    ns,
    '-l',
    'app.kubernetes.io/managed-by=storefront',
  ]).items;
  const count = new Map<string, number>();
  for (const o of children) {
    const owner = o.metadata.labels['storefront.dev/storefront'];
    count.set(owner, (count.get(owner) ?? 0) + 1);
  }
  return count;
}

/** Every credential value seen so far, by Secret; a rotation shows up as a second value. */
function recordSecrets(ns: string, seen: Map<string, string>): void {
  const secrets = kJson(['get', 'secrets', '-n', ns, '-l', 'app.kubernetes.io/component=credentials']).items;
  for (const s of secrets) {
    const value = JSON.stringify(s.data);
    const before = seen.get(s.metadata.name);
    if (before !== undefined) expect(value, `Secret ${s.metadata.name} was rotated`).toBe(before);
    seen.set(s.metadata.name, value);
  }
}

describe('operator resilience', () => {
  it('when the operator is SIGKILLed at random moments while 20 Storefronts converge, then all converge with no duplicate, orphan or rotated secret', async () => {
    const ns = restrictedNamespace('sf-kill');
    namespaces.push(ns);
    const names = Array.from({ length: 20 }, (_, i) => `kill-${i}`);
    let op = start(['--no-leader-elect', '--concurrency', '4']);
    k(['apply', '--server-side', '-n', ns, '-f', '-'], names.map((n) => storefrontDoc(n)).join('\n'));
    const seen = new Map<string, string>();
    const random = mulberry32(CHAOS_SEED);
    const atKill: Map<string, number>[] = [];
    for (let round = 0; round < 4; round++) {
      // Kill after a seeded number of the operator's writes to child objects (an event, not a
      // time; finalizer and status writes to the Storefronts do not count): it lands while applying.
      const writes = 5 + Math.floor(random() * 40);
      const mark = auditMark(cluster().auditLogPath);
      await waitFor(`${writes} child writes`, async () => {
        const events = await auditWrites({
          auditLogPath: cluster().auditLogPath,
          user: OPERATOR_USER,
          namespace: ns,
          sinceOffset: mark,
        });
        return events.filter((e) => e.objectRef?.resource !== 'storefronts').length >= writes;
      });
      await op.kill('SIGKILL');
      atKill.push(childCounts(ns));
      console.log(`chaos seed ${CHAOS_SEED} round ${round}: SIGKILL after ${writes} child writes`);
      recordSecrets(ns, seen);
      op = start(['--no-leader-elect', '--concurrency', '4']);
    }
    for (const n of names) await waitReady(ns, n, 600_000);
    // Which kills cut a Storefront off half-way: some but not all of its (final) children existed.
    const full = childCounts(ns);
    const cutOff = atKill.map((counts) =>
      names.filter((n) => (counts.get(n) ?? 0) > 0 && (counts.get(n) ?? 0) < full.get(n)!),
    );
    for (const [round, c] of cutOff.entries())
      console.log(`chaos seed ${CHAOS_SEED} round ${round} cut off mid-apply: ${c.join(', ') || 'none'}`);
    // At least one kill interrupted a Storefront half-way (else this test proves nothing about it).
    expect(cutOff.flat().length, `seed ${CHAOS_SEED}: no kill landed mid-reconcile`).toBeGreaterThan(0);
    recordSecrets(ns, seen);
    // As many credential Secrets as the renderer makes for one such Storefront, per Storefront.
    const one = parseStorefront(JSON.parse(storefrontDoc('kill-0')));
    const credentialSecrets = render(one, fixedInputs(one)).filter(
      (o) => o.kind === 'Secret' && o.metadata.labels?.['app.kubernetes.io/component'] === 'credentials',
    ).length;
    expect(credentialSecrets).toBeGreaterThanOrEqual(3);
    expect(seen.size).toBe(names.length * credentialSecrets);

    const sfs = new Map(
      kJson(['get', 'storefronts', '-n', ns]).items.map((s: any) => [s.metadata.name, s.metadata.uid]),
    );
    const children = kJson([
      'get',
      'deploy,sts,svc,netpol,sa,pdb,job,ingress,secret,configmap',
      '-n',
      ns,
      '-l',
      'app.kubernetes.io/managed-by=storefront',
    ]).items;
    const perStorefront = new Map<string, string[]>();
    for (const o of children) {
      const owner = o.metadata.labels['storefront.dev/storefront'];
      expect(sfs.has(owner), `${o.kind}/${o.metadata.name} belongs to an existing Storefront`).toBe(true);
      const refs = (o.metadata.ownerReferences ?? []).map((r: any) => r.uid);
      if (o.metadata.annotations?.['storefront.dev/retain-on-delete'] !== 'true')
        expect(refs).toEqual([sfs.get(owner)]);
      perStorefront.set(owner, [...(perStorefront.get(owner) ?? []), `${o.kind}/${o.metadata.name}`]);
    }
    // No duplicates: every Storefront has the same set of objects (one Job, one of each name).
    const shapes = new Set([...perStorefront.values()].map((list) => list.length));
    expect(shapes.size).toBe(1);
    expect(perStorefront.size).toBe(names.length);
  });

  it('when the API server restarts under a running operator, then it reconnects and keeps reconciling', async () => {
    const ns = restrictedNamespace('sf-apirestart');
    namespaces.push(ns);
    start(['--no-leader-elect']);
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('before'));
    await waitReady(ns, 'before');
    await restartApiServer({ stateDir: cluster().stateDir, downMs: 3000 });
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('after'));
    await waitReady(ns, 'after', 300_000);
    k(['delete', 'service', 'before-app', '-n', ns]);
    await waitFor(
      'a child deleted after the restart is restored',
      () => kTry(['get', 'service', 'before-app', '-n', ns]).status === 0,
      120_000,
    );
  });

  it('when two replicas run, then exactly one reconciles, and killing it hands over', async () => {
    // Operators from the tests above watch every namespace: stop them so only the two replicas run.
    for (const p of running.splice(0)) await p.kill('SIGTERM');
    const ns = restrictedNamespace('sf-leader');
    namespaces.push(ns);
    const args = ['--lease-namespace', ns];
    const a = start(args, 'storefront-operator-a');
    const b = start(args, 'storefront-operator-b');
    const lease = () => kJson(['get', 'lease', 'storefront-operator', '-n', ns]).spec;
    const first = await waitFor('a leader', () => lease().holderIdentity as string | undefined);
    const mark = auditMark(cluster().auditLogPath);
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('led'));
    await waitReady(ns, 'led');
    const writers = new Set(
      (await auditWrites({ auditLogPath: cluster().auditLogPath, sinceOffset: mark, namespace: ns }))
        .filter(
          (e) => e.objectRef?.resource !== 'leases' && /^storefront-operator-[ab]$/.test(e.user.username),
        )
        .map((e) => e.user.username),
    );
    expect(writers.size).toBe(1);
    const leaderUser = [...writers][0]!;
    const [leader, follower] = leaderUser === 'storefront-operator-a' ? [a, b] : [b, a];

    await leader.kill('SIGKILL');
    await waitFor(
      'the other replica takes the lease',
      () => {
        const holder = lease().holderIdentity as string | undefined;
        return holder && holder !== first ? holder : undefined;
      },
      60_000,
    );
    expect(follower.child.exitCode).toBeNull();
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('handed-over'));
    await waitReady(ns, 'handed-over');
  });
});
