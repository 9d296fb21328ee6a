// Finding 1 of the hardening review: the operator never takes over an object that exists and is
// not its Storefront's. A TLS Secret named by `ingress.tls.secretName` (selfSigned mode would
// overwrite it) and a Deployment already called `<name>-app` are refused with a condition and an
// event naming them, nothing is written; an explicit annotation on the object allows adoption.
import { beforeAll, describe, expect, it } from 'vitest';
import { condition, k, kJson, kTry, operatorSuite, storefrontDoc, waitFor, waitReady } from './support.ts';

const suite = operatorSuite(['sf-takeover'], () => ['--no-leader-elect']);
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});

const readyMessage = (name: string) => condition(ns, name, 'Ready')?.message ?? '';
const events = (name: string) =>
  kJson(['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${name},reason=ReconcileFailed`])
    .items.map((e: { message?: string; note?: string }) => e.message ?? e.note ?? '')
    .join('\n');

describe('the operator and objects it does not own', () => {
  it("when tls.secretName names someone's existing TLS Secret, then the Storefront is refused naming it and the Secret and namespace stay untouched", async () => {
    k(
      ['apply', '-n', ns, '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: 'theirs-tls' },
        data: {
          'tls.crt': Buffer.from('THEIR CERT').toString('base64'),
          'tls.key': Buffer.from('THEIR KEY').toString('base64'),
        },
      }),
    );
    const before = kJson(['get', 'secret', 'theirs-tls', '-n', ns]);
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('grabby', { ingress: { tls: { mode: 'selfSigned', secretName: 'theirs-tls' } } }),
    );
    await waitFor('the refusal on the Ready condition', () =>
      readyMessage('grabby').includes('Secret/theirs-tls'),
    );
    expect(readyMessage('grabby')).toMatch(
      /refusing to take over 1 existing object\(s\) that are not this Storefront's: Secret\/theirs-tls \(created outside this Storefront\)/,
    );
    await waitFor('a ReconcileFailed event naming it', () => events('grabby').includes('Secret/theirs-tls'));
    const after = kJson(['get', 'secret', 'theirs-tls', '-n', ns]);
    expect(after.data).toEqual(before.data);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    // Nothing was written: no credentials generated, no workload.
    expect(kTry(['get', 'secret', 'grabby-postgres-credentials', '-n', ns]).status).not.toBe(0);
    expect(kTry(['get', 'deployment', 'grabby-app', '-n', ns]).status).not.toBe(0);

    // Its owner allows the adoption explicitly: the Storefront proceeds (and issues into it).
    k(['annotate', 'secret', 'theirs-tls', '-n', ns, 'storefront.dev/adopt=grabby']);
    k(['annotate', 'storefront', 'grabby', '-n', ns, 'test/nudge=1']); // any edit reconciles at once
    await waitReady(ns, 'grabby');
    const adopted = kJson(['get', 'secret', 'theirs-tls', '-n', ns]);
    expect(adopted.data['tls.crt']).not.toBe(before.data['tls.crt']);
  });

  it('when a Deployment named <name>-app already runs, then the Storefront is refused naming it and the Deployment is left as it was', async () => {
    k(['create', 'deployment', 'shop2-app', '-n', ns, '--image=registry.example/other:1', '--replicas=0']);
    const before = kJson(['get', 'deployment', 'shop2-app', '-n', ns]);
    k(['apply', '--server-side', '-n', ns, '-f', '-'], storefrontDoc('shop2'));
    await waitFor('the refusal', () => readyMessage('shop2').includes('Deployment/shop2-app'));
    const after = kJson(['get', 'deployment', 'shop2-app', '-n', ns]);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.ownerReferences).toBeUndefined();
    expect(kTry(['get', 'statefulset', 'shop2-postgres', '-n', ns]).status).not.toBe(0);
  });
});
