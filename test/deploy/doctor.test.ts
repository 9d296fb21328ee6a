// `storefront doctor` against the local control plane: a healthy namespace passes (exit 0), a
// Storefront needing an API the cluster does not serve fails (exit 1) naming it, and a failed
// `install --wait` prints the doctor's findings before its error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCrd, k, kTry, restrictedNamespace, storefrontDoc } from '../operator/support.ts';
import { explain, sf, specFile } from './support.ts';

interface Finding {
  check: string;
  level: 'OK' | 'WARN' | 'FAIL';
  message: string;
  fix?: string;
}

let ns: string;
beforeAll(() => {
  installCrd();
  // The FAIL case needs the Prometheus Operator API absent (only storefront-monitoring installs it).
  kTry(['delete', 'crd', 'podmonitors.monitoring.coreos.com', '--ignore-not-found', '--wait=true']);
  ns = restrictedNamespace('sf-doctor');
});
afterAll(() => {
  if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
});

const findings = async (args: string[]) => {
  const r = await sf(['doctor', ...args, '-n', ns, '-o', 'json']);
  return { r, findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings };
};
const byCheck = (list: Finding[], check: string) => list.find((f) => f.check === check);

describe('storefront doctor', () => {
  it('when the cluster has what the CLI needs, then every check is OK or WARN and it exits 0', async () => {
    const { r, findings: list } = await findings([]);
    expect(
      list.filter((f) => f.level === 'FAIL'),
      explain(r),
    ).toEqual([]);
    expect(r.code, explain(r)).toBe(0);
    expect(byCheck(list, 'api-server')?.message).toMatch(/^reachable, Kubernetes v1\.\d+/);
    expect(byCheck(list, 'crd')).toMatchObject({ level: 'OK' });
    expect(byCheck(list, 'rbac')).toMatchObject({ level: 'OK' });
    expect(byCheck(list, 'pod-security')).toMatchObject({ level: 'OK' });
    expect(byCheck(list, 'storage-class')?.level).toBe('OK');
    // Absent optional APIs are warnings naming the field that needs them.
    expect(byCheck(list, 'api PodMonitor')).toMatchObject({
      level: 'WARN',
      message: expect.stringContaining('monitoring.podMonitor.enabled'),
    });
    // The table form: one line per check, a summary.
    const table = await sf(['doctor', '-n', ns]);
    expect(table.stdout).toMatch(/^OK\s+api-server\s+reachable/m);
    expect(table.stdout).toMatch(/0 failed, \d+ warnings, \d+ ok$/m);
  });

  it('when a Storefront needs an API the cluster does not serve, then doctor NAME fails naming the API and the field, exit 1', async () => {
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('watched', {
        monitoring: { podMonitor: { enabled: true } },
        networkPolicy: { monitoringNamespace: 'monitoring' },
      }),
    );
    const { r, findings: list } = await findings(['watched']);
    expect(r.code, explain(r)).toBe(1);
    expect(byCheck(list, 'api PodMonitor')).toEqual({
      check: 'api PodMonitor',
      level: 'FAIL',
      message:
        'monitoring.coreos.com/v1 PodMonitor is not served, and watched sets monitoring.podMonitor.enabled',
      fix: 'install its CRDs/controller, or change monitoring.podMonitor.enabled',
    });
    const missing = await findings(['no-such-shop']);
    expect(missing.r.code).toBe(1);
    expect(byCheck(missing.findings, 'storefront no-such-shop')?.level).toBe('FAIL');
  });

  it('when install --wait fails, then the doctor findings for the Storefront are printed before the error', async () => {
    const bad = specFile('doc-bad', { ingress: { tls: { mode: 'secret', secretName: 'absent-tls' } } });
    const r = await sf(['install', 'doc-bad', '-f', bad, '-n', ns, '--wait', '--timeout', '10s']);
    expect(r.code, explain(r)).toBe(4);
    expect(r.stderr).toContain(`storefront doctor doc-bad -n ${ns}:`);
    expect(r.stderr).toMatch(
      /FAIL\s+condition TLSReady\s+SecretMissing: TLS Secret absent-tls does not exist/,
    );
    expect(r.stderr.indexOf('storefront doctor doc-bad')).toBeLessThan(r.stderr.indexOf('error: '));
  });
});
