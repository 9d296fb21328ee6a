// Mode switches keep the old object until the replacement is usable (issue 13, finding 10), on the
// real control plane: tls selfSigned -> certManager keeps the TLS Secret (and the Ingress serving
// it) until cert-manager has issued into it; provider nginx -> gatewayAPI on a cluster without the
// Gateway API keeps the Ingress, and still after the API appears until a Gateway accepts the
// HTTPRoute; both switches back work; status says what is kept and what it waits for.
// No cert-manager or Gateway controller can run here: their part (issuing into the Secret, the
// Certificate's Ready condition, the HTTPRoute's Accepted condition) is written the way they write it.
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSelfSignedTls } from '../../operator/observe/self-signed-tls.ts';
import { gatewayApiCrdFiles, installCrds, installThirdPartyCrds } from '../cluster/third-party-crds.ts';
import {
  cluster,
  condition,
  installCrd,
  k,
  kJson,
  kTry,
  type OperatorProcess,
  restrictedNamespace,
  startOperator,
  storefrontDoc,
  waitFor,
  waitReady,
} from './support.ts';

const HTTPROUTE_CRD = 'httproutes.gateway.networking.k8s.io';

let op: OperatorProcess;
let ns: string;

beforeAll(async () => {
  installCrd();
  installThirdPartyCrds(cluster());
  // A cluster without the Gateway API (HTTPRoute is the kind the operator needs from it).
  kTry(['delete', 'crd', HTTPROUTE_CRD, '--wait=true', '--timeout=120s']);
  ns = restrictedNamespace('sf-switch');
  op = startOperator(['--resync', '5s', '--no-leader-elect']);
});

afterAll(async () => {
  await op?.kill('SIGTERM');
  if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
  // Leave the cluster as the other tests expect it.
  installCrds(cluster(), gatewayApiCrdFiles());
});

const get = (kind: string, name: string) => kJson(['get', kind, name, '-n', ns]);
const exists = (kind: string, name: string) => kTry(['get', kind, name, '-n', ns, '-o', 'name']).status === 0;
const patchSpec = (name: string, spec: Record<string, unknown>) =>
  k(['patch', 'storefront', name, '-n', ns, '--type=merge', '-p', JSON.stringify({ spec })]);
const setStatus = (resource: string, name: string, status: Record<string, unknown>) =>
  k([
    'patch',
    resource,
    name,
    '-n',
    ns,
    '--subresource=status',
    '--type=merge',
    '-p',
    JSON.stringify({ status }),
  ]);
const waitCondition = (name: string, type: string, status: string, reason: string) =>
  waitFor(`${name} ${type}=${status} (${reason})`, () => {
    const c = condition(ns, name, type);
    return c?.status === status && c.reason === reason ? c : undefined;
  });
const waitGone = (kind: string, name: string) =>
  waitFor(`${kind}/${name} pruned`, () => {
    const res = kTry(['get', kind, name, '-n', ns, '-o', 'name']);
    return res.status !== 0 && res.stderr.includes('(NotFound)');
  });
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

    patchSpec(name, {
      ingress: { tls: { mode: 'certManager', issuerRef: { name: 'shop-issuer', kind: 'Issuer' } } },
    });
    await waitFor('the Certificate', () => exists('certificate', `${name}-tls`));
    const waiting = await waitCondition(name, 'TLSReady', 'False', 'Issuing');
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
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    k([
      'patch',
      'secret',
      `${name}-tls`,
      '-n',
      ns,
      '--field-manager=cert-manager-certificates-issuing',
      '--type=merge',
      '-p',
      JSON.stringify({
        data: {
          'tls.crt': b64(issued.material.certificate),
          'tls.key': b64(issued.material.privateKey),
          'ca.crt': b64(issued.material.caCertificate),
        },
      }),
    ]);
    setStatus('certificate', `${name}-tls`, {
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
    await waitCondition(name, 'TLSReady', 'True', 'Issued');
    await settled(name);
    // cert-manager's certificate is neither pruned nor overwritten by the operator.
    expect(leaf(get('secret', `${name}-tls`)).serialNumber).toBe(
      new X509Certificate(issued.material.certificate).serialNumber,
    );
    await waitReady(ns, name);

    patchSpec(name, { ingress: { tls: { mode: 'selfSigned', issuerRef: null } } });
    await waitGone('certificate', `${name}-tls`);
    const back = await waitFor('a self-signed leaf from the Storefront CA again', () => {
      const cert = leaf(get('secret', `${name}-tls`));
      return cert.verify(new X509Certificate(caPem).publicKey) ? cert : undefined;
    });
    expect(back.serialNumber).not.toBe(leaf(selfSigned).serialNumber);
    await waitCondition(name, 'TLSReady', 'True', 'Issued');
    await waitReady(ns, name);
  });

  it('when the provider switches nginx -> gatewayAPI on a cluster without the Gateway API, then the Ingress serves until a Gateway accepts the HTTPRoute, and the switch back restores the Ingress', async () => {
    const name = 'gwswitch';
    k(['apply', '-n', ns, '-f', '-'], storefrontDoc(name));
    await waitReady(ns, name);
    const ingress = get('ingress', name);

    const gateway = { parentRefs: [{ name: 'edge', namespace: 'gateways', sectionName: 'https' }] };
    patchSpec(name, { ingress: { provider: 'gatewayAPI', gateway } });
    const missing = await waitCondition(name, 'IngressReady', 'False', 'MissingAPI');
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
    const waiting = await waitCondition(name, 'IngressReady', 'True', 'WaitingForGateway');
    expect(waiting.message).toContain(
      `Ingress ${name} keeps serving the shop until a Gateway accepts HTTPRoute ${name}`,
    );
    await settled(name);
    expect(get('ingress', name).metadata.uid).toBe(ingress.metadata.uid);

    setStatus('httproute', name, {
      parents: [
        {
          parentRef: { name: 'edge', namespace: 'gateways', sectionName: 'https' },
          controllerName: 'example.net/gateway',
          conditions: [
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: 'ok',
              lastTransitionTime: new Date().toISOString(),
              observedGeneration: route.metadata.generation,
            },
          ],
        },
      ],
    });
    await waitGone('ingress', name);
    await waitCondition(name, 'IngressReady', 'True', 'Accepted');
    await waitReady(ns, name);

    // Back to nginx: the Ingress is written before the HTTPRoute is pruned.
    patchSpec(name, { ingress: { provider: 'nginx', gateway: null } });
    await waitGone('httproute', name);
    expect(get('ingress', name).spec.rules[0].host).toBe(`${name}.example.com`);
    await waitReady(ns, name);
  });
});
