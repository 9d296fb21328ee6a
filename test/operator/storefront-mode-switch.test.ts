// Mode switches keep the old object until the replacement is usable (issue 13, finding 10), on the
// real control plane: tls selfSigned -> certManager keeps the TLS Secret (and the Ingress serving
// it) until cert-manager has issued into it; provider nginx -> gatewayAPI on a cluster without the
// Gateway API keeps the Ingress, and still after the API appears until a Gateway accepts the
// HTTPRoute; both switches back work; status says what is kept and what it waits for.
// No cert-manager or Gateway controller can run here: their part (issuing into the Secret, the
// Certificate's Ready condition, the HTTPRoute's Accepted condition) is written the way they write it.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSignedTls } from '../../operator/observe/self-signed-tls.ts';
import { gatewayApiCrdFiles, installCrds, installThirdPartyCrds } from '../cluster/third-party-crds.ts';
import {
  acceptRoute,
  cluster,
  k,
  kJson,
  kTry,
  operatorSuite,
  patchSecretData,
  patchSpec,
  setStatus,
  storefrontDoc,
  waitCondition,
  waitFor,
  waitGone,
  waitReady,
} from './support.ts';

const HTTPROUTE_CRD = 'httproutes.gateway.networking.k8s.io';

const suite = operatorSuite(['sf-switch'], () => ['--resync', '5s', '--no-leader-elect'], {
  beforeOperator: () => {
    installThirdPartyCrds(cluster());
    // A cluster without the Gateway API (HTTPRoute is the kind the operator needs from it).
    kTry(['delete', 'crd', HTTPROUTE_CRD, '--wait=true', '--timeout=120s']);
  },
  // Leave the cluster as the other tests expect it.
  afterOperator: () => installCrds(cluster(), gatewayApiCrdFiles()),
});
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});

const get = (kind: string, name: string) => kJson(['get', kind, name, '-n', ns]);
const exists = (kind: string, name: string) => kTry(['get', kind, name, '-n', ns, '-o', 'name']).status === 0;
/** Reconciled at the current generation, and a few resyncs (5 s) later still so. */
async function settled(name: string): Promise<void> {
  await waitFor(`${name} generation observed`, () => {
    const sf = kJson(['get', 'storefront', name, '-n', ns]);
    return sf.status?.observedGeneration === sf.metadata.generation;
  });
  await new Promise((r) => setTimeout(r, 12_000));
}
const leaf = (secret: any) => new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'));

describe('mode switches keep the old object until the replacement is usable', () => {
  it('when tls switches selfSigned -> certManager, then the TLS Secret serves until cert-manager issued into it, and the switch back issues a self-signed one again', async () => {
    const name = 'tlsswitch';
    k(['apply', '-n', ns, '-f', '-'], storefrontDoc(name));
    await waitReady(ns, name);
    const selfSigned = get('secret', `${name}-tls`);
    const caPem = Buffer.from(get('secret', `${name}-tls-ca`).data['ca.crt'], 'base64').toString();

    patchSpec(ns, name, {
      ingress: { tls: { mode: 'certManager', issuerRef: { name: 'shop-issuer', kind: 'Issuer' } } },
    });
    await waitFor('the Certificate', () => exists('certificate', `${name}-tls`));
    const waiting = await waitCondition(ns, name, 'TLSReady', 'False', 'Issuing');
    expect(waiting.message).toContain(
      `Secret ${name}-tls keeps serving the shop until cert-manager issues Certificate ${name}-tls`,
    );
    await settled(name);
    // Still there, unchanged, and still what the Ingress serves.
    expect(get('secret', `${name}-tls`).data).toEqual(selfSigned.data);
    expect(get('ingress', name).spec.tls).toEqual([
      { hosts: [`${name}.example.com`], secretName: `${name}-tls` },
    ]);

    // cert-manager issues into the Certificate's secretName and then marks it Ready.
    const issued = await ensureSelfSignedTls('issuer', [`${name}.example.com`], undefined, new Date());
    patchSecretData(
      ns,
      `${name}-tls`,
      {
        'tls.crt': issued.material.certificate,
        'tls.key': issued.material.privateKey,
        'ca.crt': issued.material.caCertificate,
      },
      'cert-manager-certificates-issuing',
    );
    setStatus(ns, 'certificate', `${name}-tls`, {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          message: 'issued',
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    });
    await waitCondition(ns, name, 'TLSReady', 'True', 'Issued');
    await settled(name);
    // cert-manager's certificate is neither pruned nor overwritten by the operator.
    expect(leaf(get('secret', `${name}-tls`)).serialNumber).toBe(
      new X509Certificate(issued.material.certificate).serialNumber,
    );
    await waitReady(ns, name);

    patchSpec(ns, name, { ingress: { tls: { mode: 'selfSigned', issuerRef: null } } });
    await waitGone(ns, 'certificate', `${name}-tls`);
    const back = await waitFor('a self-signed leaf from the Storefront CA again', () => {
      const cert = leaf(get('secret', `${name}-tls`));
      return cert.verify(new X509Certificate(caPem).publicKey) ? cert : undefined;
    });
    expect(back.serialNumber).not.toBe(leaf(selfSigned).serialNumber);
    await waitCondition(ns, name, 'TLSReady', 'True', 'Issued');
    await waitReady(ns, name);
  });

  it('when the provider switches nginx -> gatewayAPI on a cluster without the Gateway API, then the Ingress serves until a Gateway accepts the HTTPRoute, and the switch back restores the Ingress', async () => {
    const name = 'gwswitch';
    k(['apply', '-n', ns, '-f', '-'], storefrontDoc(name));
    await waitReady(ns, name);
    const ingress = get('ingress', name);

    const gateway = { parentRefs: [{ name: 'edge', namespace: 'gateways', sectionName: 'https' }] };
    patchSpec(ns, name, { ingress: { provider: 'gatewayAPI', gateway } });
    const missing = await waitCondition(ns, name, 'IngressReady', 'False', 'MissingAPI');
    expect(missing.message).toContain(
      `Ingress ${name} keeps serving the shop until the cluster serves the Gateway API (gateway.networking.k8s.io/v1 HTTPRoute)`,
    );
    await settled(name);
    expect(get('ingress', name).metadata.uid).toBe(ingress.metadata.uid);

    // The Gateway API appears: the HTTPRoute is created, the Ingress stays until a Gateway accepts it.
    installCrds(cluster(), gatewayApiCrdFiles());
    const route = await waitFor(
      'the HTTPRoute',
      () => (exists('httproute', name) ? get('httproute', name) : undefined),
      240_000,
    );
    const waiting = await waitCondition(ns, name, 'IngressReady', 'True', 'WaitingForGateway');
    expect(waiting.message).toContain(
      `Ingress ${name} keeps serving the shop until a Gateway accepts HTTPRoute ${name}`,
    );
    await settled(name);
    expect(get('ingress', name).metadata.uid).toBe(ingress.metadata.uid);

    acceptRoute(ns, route, { name: 'edge', namespace: 'gateways', sectionName: 'https' });
    await waitGone(ns, 'ingress', name);
    await waitCondition(ns, name, 'IngressReady', 'True', 'Accepted');
    await waitReady(ns, name);

    // Back to nginx: the Ingress is written before the HTTPRoute is pruned.
    patchSpec(ns, name, { ingress: { provider: 'nginx', gateway: null } });
    await waitGone(ns, 'httproute', name);
    expect(get('ingress', name).spec.rules[0].host).toBe(`${name}.example.com`);
    await waitReady(ns, name);
  });
});
