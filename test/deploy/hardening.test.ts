// Deployer findings of the hardening review (issue 13), on the real control plane: lock staleness
// is judged on the API server's clock, a command that loses its lock stops, `list -A` survives a
// corrupt release Secret, and a managed Postgres major change is refused before anything is locked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../operator/core/clock.ts';
import { realClock } from '../../operator/core/clock.ts';
import { LOCK_HOLDER, LockHeldError, lockNewRevision } from '../../operator/deploy/lock.ts';
import type { Release } from '../../operator/deploy/release.ts';
import { ReleaseStore } from '../../operator/deploy/release-store.ts';
import { createKubeClient } from '../../operator/kube/client.ts';
import { cluster, k, kTry, restrictedNamespace } from '../operator/support.ts';
import { explain, releaseStatuses, sf, specFile, startCli } from './support.ts';

let ns: string;
const name = 'hardened';

beforeAll(async () => {
  ns = restrictedNamespace('sf-harden');
  const r = await sf([
    'install',
    name,
    '-f',
    specFile(name, { database: { version: '16' } }),
    '-n',
    ns,
    '--wait',
    '--timeout',
    '4m',
  ]);
  expect(r.code, explain(r)).toBe(0);
});

afterAll(() => {
  if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
});

/** The real time, shifted: a machine whose clock is `offsetMs` off. */
const skewed = (offsetMs: number): Clock => ({
  now: () => realClock.now() + offsetMs,
  setTimer: realClock.setTimer,
});

describe('deployer hardening', () => {
  it('when the holder and the judge of a lock have clocks two hours apart, then a fresh lock is still held (judged on the API server clock)', async () => {
    const client = createKubeClient({ kubeconfig: cluster().kubeconfig });
    const store = new ReleaseStore(client);
    const other = 'clock-skew';
    const build = (): Omit<Release, 'revision'> => ({
      name: other,
      namespace: ns,
      status: 'pending-install',
      description: 'Install in progress',
      spec: {
        apiVersion: 'storefront.dev/v1alpha1',
        kind: 'Storefront',
        metadata: { name: other },
        spec: { host: 'skew.example.com' },
      } as never,
      objects: [],
      firstDeployed: new Date().toISOString(),
      lastDeployed: new Date().toISOString(),
      appliedBy: { user: 't', context: 't', host: 't', pid: 1, cliVersion: '0' },
    });
    const options = (clock: Clock, holder: string) => ({
      clock,
      holder,
      heartbeatMs: 1000,
      notice: () => {},
    });
    // The holder's clock is an hour slow: its heartbeats would look two hours old to the judge.
    const { lock } = await lockNewRevision(
      store,
      ns,
      other,
      build,
      options(skewed(-3_600_000), 'slow-machine'),
    );
    try {
      await expect(
        lockNewRevision(store, ns, other, build, options(skewed(3_600_000), 'fast-machine')),
      ).rejects.toBeInstanceOf(LockHeldError);
    } finally {
      lock.stop();
    }
  });

  it('when another command takes the lock over while an upgrade waits, then the upgrade stops at once and writes nothing more', async () => {
    const spec = specFile(name, {
      database: { version: '16' },
      app: { replicas: 3 },
      ingress: { tls: { mode: 'secret', secretName: 'never-created-tls' } },
    });
    const cli = startCli(['upgrade', name, '-f', spec, '-n', ns, '--wait', '--timeout', '10m'], {
      STOREFRONT_LOCK_HEARTBEAT_MS: '500',
    });
    const secret = `sf.release.v1.${name}.v2`;
    // Wait until it holds revision 2 and waits for readiness.
    for (let i = 0; i < 600 && !cli.output().stderr.includes('waiting up to'); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(cli.output().stderr).toContain('waiting up to');
    // What a takeover does: another holder on the revision (and the revision marked failed).
    k(['annotate', 'secret', secret, '-n', ns, '--overwrite', `${LOCK_HOLDER}=someone-else`]);
    k(['label', 'secret', secret, '-n', ns, '--overwrite', 'storefront.dev/release-status=failed']);
    const r = await cli.done; // before the fix: it kept waiting for its 10 minutes
    expect(r.code, explain(r)).not.toBe(0);
    expect(r.stderr).toMatch(/lost the lock on revision 2 \(another command took it over/);
    // Its record is the other holder's: the stopped command did not write its outcome over it.
    expect(releaseStatuses(ns, name, k)).toEqual(['1:deployed', '2:failed']);
    expect(
      k([
        'get',
        'secret',
        secret,
        '-n',
        ns,
        '-o',
        `jsonpath={.metadata.annotations.storefront\\.dev/lock-holder}`,
      ]),
    ).toBe('someone-else');
    // Leave the release usable for the next tests: clear the simulated holder.
    k(['annotate', 'secret', secret, '-n', ns, `${LOCK_HOLDER}-`, 'storefront.dev/lock-heartbeat-']);
  });

  it('when an upgrade changes the managed Postgres major version, then it is refused with exit 1 naming the field and nothing is locked', async () => {
    const before = releaseStatuses(ns, name, k);
    const r = await sf(['upgrade', name, '-f', specFile(name, { database: { version: '17' } }), '-n', ns]);
    expect(r.code, explain(r)).toBe(1);
    expect(r.stderr).toMatch(/spec\.database\.version: .*cannot change in place/);
    expect(releaseStatuses(ns, name, k)).toEqual(before);
  });

  it('when one release Secret is corrupt, then `list -A` still lists the others and names the bad one', async () => {
    k(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'storefront.dev/release.v1',
        metadata: {
          name: 'sf.release.v1.broken.v1',
          namespace: ns,
          labels: { 'storefront.dev/owner': 'storefront-cli', 'storefront.dev/release-name': 'broken' },
        },
        data: { release: Buffer.from('not gzip at all').toString('base64') },
      }),
    );
    const r = await sf(['list', '-A']);
    expect(r.code, explain(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${ns}\\s+${name}\\s`));
    expect(r.stderr).toContain(
      `warning: skipped: Secret ${ns}/sf.release.v1.broken.v1 holds an unreadable release record`,
    );
  });
});
