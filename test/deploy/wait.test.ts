// `--wait` judged by the operator's readiness (computeStatus): a spec that cannot become ready
// times out with exit 4 naming the component, and --rollback-on-failure restores the last good
// revision.
import { beforeAll, describe, expect, it } from 'vitest';
import { k, kJson } from '../operator/support.ts';
import { explain, installedRelease, releaseStatuses, sf, specFile } from './support.ts';

const name = 'waiter';
const release = installedRelease('sf-wait', name);
let ns: string;
beforeAll(() => {
  ns = release.namespace;
});

const tlsSecretOfIngress = () => kJson(['get', 'ingress', name, '-n', ns]).spec.tls[0].secretName;

describe('storefront upgrade --wait', () => {
  it('when the TLS Secret of tls.mode secret does not exist, then --wait times out with exit 4 naming TLS and the Secret', async () => {
    const bad = specFile(name, { ingress: { tls: { mode: 'secret', secretName: 'missing-tls' } } });
    const r = await sf(['upgrade', name, '-f', bad, '-n', ns, '--wait', '--timeout', '15s']);
    expect(r.code, explain(r)).toBe(4);
    expect(r.stderr).toMatch(
      /error: release .+\/waiter revision 2: upgrade failed: timed out after 15s waiting for Storefront .+\/waiter: TLS not ready \(SecretMissing\): TLS Secret missing-tls does not exist/,
    );
    // Plain progress lines (stderr is not a TTY), per component.
    expect(r.stderr).toMatch(/\[\d+s\]\s+waiting TLSReady\s+SecretMissing/);
    expect(releaseStatuses(ns, name, k)).toEqual(['1:deployed', '2:failed']);
    expect(tlsSecretOfIngress()).toBe('missing-tls');
  });

  it('when the TLS Secret is still missing and --rollback-on-failure is set, then the last deployed revision is live again', async () => {
    const bad = specFile(name, {
      app: { replicas: 3 },
      ingress: { tls: { mode: 'secret', secretName: 'still-missing-tls' } },
    });
    const r = await sf([
      'upgrade',
      name,
      '-f',
      bad,
      '-n',
      ns,
      '--wait',
      '--timeout',
      '20s',
      '--rollback-on-failure',
    ]);
    expect(r.code, explain(r)).toBe(4);
    expect(r.stderr).toContain('TLS not ready (SecretMissing): TLS Secret still-missing-tls does not exist');
    expect(r.stderr).toMatch(/rolled back: revision 4 restores revision 1/);
    expect(releaseStatuses(ns, name, k)).toEqual(['1:superseded', '2:failed', '3:failed', '4:deployed']);
    // Revision 1's objects are live again: its replicas and the self-signed TLS Secret it issued.
    expect(tlsSecretOfIngress()).toBe(`${name}-tls`);
    expect(kJson(['get', 'deployment', `${name}-app`, '-n', ns]).spec.replicas).toBe(2);
    expect(kJson(['get', 'secret', `${name}-tls`, '-n', ns]).type).toBe('kubernetes.io/tls');
    const status = JSON.parse((await sf(['status', name, '-n', ns, '-o', 'json'])).stdout);
    expect(status.release.revision).toBe(4);
    expect(status.release.description).toBe('Rollback to 1');
  });
});
