// Release locks on the real control plane: two concurrent upgrades (one proceeds, the other fails
// at once naming the holder), and a holder SIGKILLed mid-upgrade whose lock the next command
// recovers from.
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { k, kJson, waitFor } from '../operator/support.ts';
import { explain, installedRelease, releaseStatuses, sf, specFile, startCli } from './support.ts';

const name = 'locks';
const release = installedRelease('sf-lock', name);
let ns: string;
beforeAll(() => {
  ns = release.namespace;
});

/** A spec whose TLS Secret does not exist yet: an upgrade to it waits until the test creates it. */
const waitingSpec = (secretName: string, replicas: number) =>
  specFile(name, { app: { replicas }, ingress: { tls: { mode: 'secret', secretName } } });

function createTlsSecret(secretName: string): void {
  k([
    'create',
    'secret',
    'generic',
    secretName,
    '-n',
    ns,
    '--type=kubernetes.io/tls',
    '--from-literal=tls.crt=x',
    '--from-literal=tls.key=y',
  ]);
}

describe('release locks', () => {
  it('when two upgrades run at once, then exactly one proceeds and the other fails at once with exit 3 naming the holder', async () => {
    const spec = waitingSpec('locks-tls-a', 3);
    const a = startCli(['upgrade', name, '-f', spec, '-n', ns, '--wait', '--timeout', '4m']);
    const b = startCli(['upgrade', name, '-f', spec, '-n', ns, '--wait', '--timeout', '4m']);
    // The one that got the lock is waiting for the TLS Secret; the other must have given up already.
    const loser = await Promise.race([
      a.done.then((r) => ({ r, winner: b })),
      b.done.then((r) => ({ r, winner: a })),
    ]);
    expect(loser.r.code, explain(loser.r)).toBe(3);
    expect(loser.r.stderr).toMatch(
      /release .+\/locks is locked: revision 2 is pending-upgrade, held by storefront-admin@\S+ \(pid \d+/,
    );
    expect(loser.r.stderr).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect(loser.winner.child.exitCode).toBeNull(); // still running: it holds the lock
    createTlsSecret('locks-tls-a');
    const won = await loser.winner.done;
    expect(won.code, explain(won)).toBe(0);
    expect(releaseStatuses(ns, name, k)).toEqual(['1:superseded', '2:deployed']);
  });

  it('when the holder is SIGKILLed mid-upgrade, then the next command detects the stale lock, says so and proceeds', async () => {
    const killed = startCli(
      ['upgrade', name, '-f', waitingSpec('locks-tls-b', 2), '-n', ns, '--wait', '--timeout', '4m'],
      {
        STOREFRONT_LOCK_HEARTBEAT_MS: '1000',
      },
    );
    // Mid-upgrade: objects applied, waiting for readiness, lock held.
    await waitFor(
      'the upgrade to be waiting',
      () => killed.output().stderr.includes('waiting up to'),
      180_000,
    );
    expect(releaseStatuses(ns, name, k).at(-1)).toBe('3:pending-upgrade');
    killed.child.kill('SIGKILL');
    const gone = await killed.done;
    expect(gone.signal).toBe('SIGKILL');
    expect(releaseStatuses(ns, name, k).at(-1)).toBe('3:pending-upgrade'); // left behind

    // Until the heartbeat is 3 intervals old the lock counts as held; then it is taken over.
    const upgrade = () =>
      sf([
        'upgrade',
        name,
        '-f',
        specFile(name, { app: { replicas: 2 } }),
        '-n',
        ns,
        '--wait',
        '--timeout',
        '4m',
      ]);
    let next = await upgrade();
    const deadline = Date.now() + 120_000;
    while (next.code === 3 && Date.now() < deadline) {
      expect(next.stderr).toContain('is locked: revision 3 is pending-upgrade');
      await sleep(1000);
      next = await upgrade();
    }
    expect(next.code, explain(next)).toBe(0);
    expect(next.stderr).toMatch(
      /warning: recovered a stale lock on release .+\/locks: revision 3 was left pending-upgrade by storefront-admin@\S+ \(pid \d+/,
    );
    expect(next.stderr).toContain('no heartbeat for');
    expect(releaseStatuses(ns, name, k).slice(-2)).toEqual(['3:failed', '4:deployed']);
    expect(kJson(['get', 'deployment', `${name}-app`, '-n', ns]).spec.replicas).toBe(2);
    const history = JSON.parse((await sf(['history', name, '-n', ns, '-o', 'json'])).stdout) as {
      revision: number;
      description: string;
    }[];
    expect(history.find((r) => r.revision === 3)!.description).toMatch(
      /pending-upgrade abandoned: .* stopped: no heartbeat/,
    );
  });
});
