// The deployer on the real control plane: install -> upgrade -> rollback with history, diff
// against hand-made live changes, pruning a removed component while data stays, uninstall.
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { k, kJson, kTry, restrictedNamespace } from '../operator/support.ts';
import { explain, releaseStatuses, sf, specFile } from './support.ts';

let ns: string;
const name = 'deli';

beforeAll(() => {
  ns = restrictedNamespace('sf-deploy');
});

afterAll(() => {
  if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
});

const replicas = () => kJson(['get', 'deployment', `${name}-app`, '-n', ns]).spec.replicas;

describe('storefront install / upgrade / rollback', () => {
  it('when installed, upgraded and rolled back, then the earlier objects are live again and history shows 3 revisions', async () => {
    const v1 = specFile(name, { app: { replicas: 2 } });
    const install = await sf(['install', name, '-f', v1, '-n', ns, '--wait', '--timeout', '4m']);
    expect(install.code, explain(install)).toBe(0);
    expect(install.stdout).toContain(`release ${ns}/${name} revision 1: deployed`);
    expect(replicas()).toBe(2);
    const password = kJson(['get', 'secret', `${name}-postgres-credentials`, '-n', ns]).data.password;
    const app = kJson(['get', 'deployment', `${name}-app`, '-n', ns, '--show-managed-fields']);
    expect(app.metadata.labels['storefront.dev/release']).toBe(name);
    expect(app.metadata.annotations['storefront.dev/release']).toBe(`${ns}/${name}`);
    expect(app.metadata.ownerReferences).toBeUndefined();
    expect(app.metadata.managedFields.map((m: { manager: string }) => m.manager)).toContain('storefront-cli');

    const v2 = specFile(name, { app: { replicas: 3 } });
    const upgrade = await sf(['upgrade', name, '-f', v2, '-n', ns, '--wait', '--timeout', '4m']);
    expect(upgrade.code, explain(upgrade)).toBe(0);
    expect(replicas()).toBe(3);

    const rollback = await sf(['rollback', name, '-n', ns, '--wait']);
    expect(rollback.code, explain(rollback)).toBe(0);
    expect(rollback.stdout).toContain('Rollback to 1');
    expect(replicas()).toBe(2);
    // Credentials were never rotated by the upgrade or the rollback.
    expect(kJson(['get', 'secret', `${name}-postgres-credentials`, '-n', ns]).data.password).toBe(password);

    const history = await sf(['history', name, '-n', ns, '-o', 'json']);
    expect(history.code, explain(history)).toBe(0);
    const revisions = JSON.parse(history.stdout) as {
      revision: number;
      status: string;
      description: string;
      appliedBy: { user: string };
    }[];
    expect(revisions.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);
    expect(revisions[2]!.description).toBe('Rollback to 1');
    expect(revisions[0]!.appliedBy.user).toBe('storefront-admin');
    // Stored as compressed Secrets of our type; the records hold no credential values.
    const stored = kJson(['get', 'secret', `sf.release.v1.${name}.v3`, '-n', ns]);
    expect(stored.type).toBe('storefront.dev/release.v1');
    // The Secret's bytes are the gzip stream (the API shows them base64-encoded, like any Secret).
    const record = gunzipSync(Buffer.from(stored.data.release, 'base64')).toString();
    expect(JSON.parse(record).spec.spec.app.replicas).toBe(2);
    expect(record).not.toContain(Buffer.from(password, 'base64').toString());
    expect(record).not.toContain(password);

    const table = await sf(['history', name, '-n', ns]);
    expect(table.stdout).toMatch(/REVISION\s+UPDATED\s+STATUS/);
    const status = await sf(['status', name, '-n', ns, '-o', 'json']);
    expect(
      JSON.parse(status.stdout).conditions.find((c: { type: string }) => c.type === 'Ready').status,
    ).toBe('True');
    const listed = await sf(['list', '-A', '-o', 'json']);
    expect(
      JSON.parse(listed.stdout).some(
        (r: { name: string; namespace: string }) => r.name === name && r.namespace === ns,
      ),
    ).toBe(true);
  });

  it('when nothing changed, diff exits 0; after a hand-made live change it shows it and exits 2, without printing secret values', async () => {
    const v1 = specFile(name, { app: { replicas: 2 } });
    const clean = await sf(['diff', name, '-f', v1, '-n', ns]);
    expect(clean.code, explain(clean)).toBe(0);
    expect(clean.stdout).toContain('no changes');

    k(['scale', 'deployment', `${name}-app`, '-n', ns, '--replicas=5']);
    // A hand-edited generated value that the spec fixes (the database user).
    const user = Buffer.from('hand-made-user').toString('base64');
    k([
      'patch',
      'secret',
      `${name}-postgres-credentials`,
      '-n',
      ns,
      '--type=merge',
      '-p',
      JSON.stringify({ data: { username: user } }),
    ]);
    const drift = await sf(['diff', name, '-f', v1, '-n', ns]);
    expect(drift.code, explain(drift)).toBe(2);
    expect(drift.stdout).toContain(`~ update Deployment ${ns}/${name}-app`);
    expect(drift.stdout).toContain('-   replicas: 5');
    expect(drift.stdout).toContain('+   replicas: 2');
    expect(drift.stdout).toContain(`~ update Secret ${ns}/${name}-postgres-credentials`);
    expect(drift.stdout).toContain('(secret data changed)');
    expect(drift.stdout).toMatch(/2 object\(s\) would change: 0 created, 2 updated, 0 deleted/);
    for (const secretValue of [user, 'hand-made-user', Buffer.from('storefront').toString('base64')]) {
      expect(drift.stdout).not.toContain(secretValue);
    }
    // diff wrote nothing.
    expect(kJson(['get', 'secret', `${name}-postgres-credentials`, '-n', ns]).data.username).toBe(user);
    expect(replicas()).toBe(5);
  });

  it('when an upgrade disables the cache, then its objects are pruned and the database volume stays', async () => {
    const v3 = specFile(name, { app: { replicas: 2 }, cache: { mode: 'disabled' } });
    const upgrade = await sf(['upgrade', name, '-f', v3, '-n', ns, '--wait', '--timeout', '4m']);
    expect(upgrade.code, explain(upgrade)).toBe(0);
    expect(upgrade.stderr).toContain(`Deployment ${ns}/${name}-redis`);
    for (const kind of ['deployment', 'service', 'networkpolicy']) {
      expect(kTry(['get', kind, `${name}-redis`, '-n', ns]).status, kind).not.toBe(0);
    }
    expect(replicas()).toBe(2);
    expect(kJson(['get', 'pvc', `data-${name}-postgres-0`, '-n', ns]).status.phase).toBe('Bound');
    // The Redis password is kept (retain-on-delete) for when the cache comes back.
    expect(kTry(['get', 'secret', `${name}-redis-credentials`, '-n', ns]).status).toBe(0);
    expect(releaseStatuses(ns, name, k).at(-1)).toMatch(/:deployed$/);

    const uninstall = await sf(['uninstall', name, '-n', ns]);
    expect(uninstall.code, explain(uninstall)).toBe(0);
    expect(kTry(['get', 'deployment', `${name}-app`, '-n', ns]).stderr).toContain('(NotFound)');
    expect(kJson(['get', 'pvc', `data-${name}-postgres-0`, '-n', ns]).status.phase).toBe('Bound');
    expect(releaseStatuses(ns, name, k)).toEqual([]);
  });
});
