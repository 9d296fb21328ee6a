// `storefront upgrade` keeps the old object of a mode switch until its replacement is usable, as the
// operator does (issue 13, finding 10; the one decision is operator/observe/replacements.ts), on the
// real control plane: provider nginx -> gatewayAPI on a cluster without the Gateway API keeps the
// Ingress, and still once the API is served until a Gateway accepts the HTTPRoute, and a later
// upgrade prunes it then; tls selfSigned -> certManager keeps the TLS Secret cert-manager issues
// into, and the release tracks it (uninstall removes it).
// No Gateway controller can run here: the HTTPRoute's Accepted condition is written the way one writes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayApiCrdFiles, installCrds, installThirdPartyCrds } from '../cluster/third-party-crds.ts';
import { acceptRoute, cluster, kJson, kTry, restrictedNamespace, waitGone } from '../operator/support.ts';
import { explain, sf, specFile } from './support.ts';

const HTTPROUTE_CRD = 'httproutes.gateway.networking.k8s.io';

let ns: string;

beforeAll(() => {
  installThirdPartyCrds(cluster());
  // A cluster without the Gateway API (HTTPRoute is the kind the deployer needs from it).
  kTry(['delete', 'crd', HTTPROUTE_CRD, '--wait=true', '--timeout=120s']);
  ns = restrictedNamespace('sf-dswitch');
});

afterAll(() => {
  if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
  // Leave the cluster as the other tests expect it.
  installCrds(cluster(), gatewayApiCrdFiles());
});

const get = (kind: string, name: string) => kJson(['get', kind, name, '-n', ns]);
/** What an upgrade's summary line says it pruned (`revision N: applied M objects, pruned …`). */
const pruned = (stderr: string) => /, pruned (.*)$/m.exec(stderr)?.[1] ?? '';
async function deploy(verb: 'install' | 'upgrade', name: string, spec: Record<string, unknown> = {}) {
  const r = await sf([
    verb,
    name,
    '-f',
    specFile(name, spec),
    '-n',
    ns,
    ...(verb === 'install' ? ['--wait'] : []),
  ]);
  expect(r.code, explain(r)).toBe(0);
  return r;
}

describe('storefront upgrade keeps the old object of a mode switch until its replacement is usable', () => {
  it('when the provider switches nginx -> gatewayAPI on a cluster without the Gateway API, then the Ingress stays until a Gateway accepts the HTTPRoute, and the upgrade after that prunes it', async () => {
    const name = 'dgw';
    await deploy('install', name);
    const ingress = get('ingress', name);
    const gateway = {
      ingress: {
        provider: 'gatewayAPI',
        gateway: { parentRefs: [{ name: 'edge', namespace: 'gateways', sectionName: 'https' }] },
      },
    };

    const missing = await deploy('upgrade', name, gateway);
    expect(missing.stderr).toContain(
      `kept Ingress/${name}: it keeps serving the shop until the cluster serves the Gateway API (gateway.networking.k8s.io/v1 HTTPRoute)`,
    );
    expect(pruned(missing.stderr)).not.toContain(`Ingress ${ns}/${name}`);
    expect(get('ingress', name).metadata.uid).toBe(ingress.metadata.uid);

    // The Gateway API appears: the next upgrade creates the HTTPRoute and still keeps the Ingress
    // (the kept Ingress was recorded in the release, so this revision decides about it again).
    installCrds(cluster(), gatewayApiCrdFiles());
    const waiting = await deploy('upgrade', name, gateway);
    expect(waiting.stderr).toContain(
      `kept Ingress/${name}: it keeps serving the shop until a Gateway accepts HTTPRoute ${name}`,
    );
    const route = get('httproute', name);
    expect(get('ingress', name).metadata.uid).toBe(ingress.metadata.uid);

    acceptRoute(ns, route, { name: 'edge', namespace: 'gateways', sectionName: 'https' });
    const accepted = await deploy('upgrade', name, gateway);
    expect(accepted.stderr).not.toContain('kept Ingress');
    expect(pruned(accepted.stderr)).toContain(`Ingress ${ns}/${name}`);
    await waitGone(ns, 'ingress', name);
  });

  it('when tls switches selfSigned -> certManager, then the TLS Secret cert-manager issues into is kept, and uninstall still removes it', async () => {
    const name = 'dtls';
    await deploy('install', name);
    const selfSigned = get('secret', `${name}-tls`);
    const certManager = {
      ingress: { tls: { mode: 'certManager', issuerRef: { name: 'shop-issuer', kind: 'Issuer' } } },
    };

    const switched = await deploy('upgrade', name, certManager);
    expect(switched.stderr).toContain(
      `kept Secret/${name}-tls: it keeps serving the shop until cert-manager issues Certificate ${name}-tls`,
    );
    expect(pruned(switched.stderr)).not.toContain(`Secret ${ns}/${name}-tls`);
    expect(get('certificate', `${name}-tls`).spec.secretName).toBe(`${name}-tls`);
    // Unchanged, and still what the Ingress serves until cert-manager replaces its contents.
    const kept = get('secret', `${name}-tls`);
    expect(kept.metadata.uid).toBe(selfSigned.metadata.uid);
    expect(kept.data).toEqual(selfSigned.data);
    expect(get('ingress', name).spec.tls).toEqual([
      { hosts: [`${name}.example.com`], secretName: `${name}-tls` },
    ]);

    // A later revision of the same mode keeps it again (the release recorded it) ...
    const again = await deploy('upgrade', name, certManager);
    expect(again.stderr).toContain(`kept Secret/${name}-tls`);
    expect(get('secret', `${name}-tls`).metadata.uid).toBe(selfSigned.metadata.uid);

    // ... and uninstall, which deletes what the release left live, removes it with the rest.
    const un = await sf(['uninstall', name, '-n', ns]);
    expect(un.code, explain(un)).toBe(0);
    await waitGone(ns, 'secret', `${name}-tls`);
  });
});
