// database.mode: cloudnativepg on the real control plane, with CloudNativePG's own Cluster and
// ScheduledBackup CRDs (from its Go module, config/crd/bases). Its controller cannot run here (no container runtime), so the
// test plays its part in one place only: it writes the Cluster's status.readyInstances, as the
// CloudNativePG operator would once the instances are up. The CRD is installed while our operator
// is already running, as happens when a platform team adds CloudNativePG later.
import { beforeAll, describe, expect, it } from 'vitest';
import { cloudNativePgCrdFiles, installCrds } from '../cluster/third-party-crds.ts';
import {
  cluster,
  condition,
  k,
  kJson,
  kTry,
  operatorSuite,
  storefrontDoc,
  waitFor,
  waitReady,
} from './support.ts';

const suite = operatorSuite(['sf-cnpg'], ([ns]) => ['--no-leader-elect', '--namespace', ns!], {
  // Start from a cluster without CloudNativePG even when an earlier run installed it; no other
  // test uses these CRDs.
  beforeOperator: () =>
    kTry([
      'delete',
      'crd',
      'clusters.postgresql.cnpg.io',
      'scheduledbackups.postgresql.cnpg.io',
      '--ignore-not-found',
      '--wait=true',
      '--timeout=120s',
    ]),
});
let ns: string;
beforeAll(() => {
  ns = suite.namespaces[0]!;
});

describe('database mode cloudnativepg', () => {
  it('when CloudNativePG is missing, then the Storefront says so; once its CRD appears, a Cluster is created, watched and reported until Ready', async () => {
    k(
      ['apply', '--server-side', '-n', ns, '-f', '-'],
      storefrontDoc('pg', { database: { mode: 'cloudnativepg', instances: 2 } }),
    );
    const missing = await waitFor('DatabaseReady=False MissingAPI', () => {
      const c = condition(ns, 'pg', 'DatabaseReady');
      return c?.reason === 'MissingAPI' ? c : undefined;
    });
    expect(missing.message).toContain('postgresql.cnpg.io/v1 Cluster');
    // Everything that does not need CloudNativePG is applied meanwhile.
    expect(kJson(['get', 'deployment', 'pg-app', '-n', ns]).metadata.name).toBe('pg-app');

    installCrds(cluster(), cloudNativePgCrdFiles());
    // The operator notices the new API (discovery misses are re-asked after 30 s) and applies the
    // Cluster, which CloudNativePG's own schema accepts.
    const pgCluster = await waitFor(
      'Cluster pg-postgres',
      () => kTry(['get', 'clusters.postgresql.cnpg.io', 'pg-postgres', '-n', ns, '-o', 'json']).stdout,
      180_000,
    ).then((out) => JSON.parse(out));
    expect(pgCluster.spec.instances).toBe(2);
    expect(pgCluster.spec.bootstrap.initdb).toMatchObject({ database: 'storefront', owner: 'storefront' });
    expect(pgCluster.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Storefront', name: 'pg', controller: true }),
    ]);
    // The app reads CloudNativePG's generated Secret, not one of ours.
    const app = kJson(['get', 'deployment', 'pg-app', '-n', ns]);
    const env = app.spec.template.spec.containers[0].env as { name: string; valueFrom?: any }[];
    expect(env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
      name: 'pg-postgres-app',
      key: 'uri',
    });

    const provisioning = await waitFor('DatabaseReady=False Provisioning', () => {
      const c = condition(ns, 'pg', 'DatabaseReady');
      return c?.reason === 'Provisioning' ? c : undefined;
    });
    expect(provisioning.message).toBe('Cluster pg-postgres: 0/2 instances ready');

    // CloudNativePG's part: the app Secret it generates (without it the app's pods cannot start,
    // as the fake nodes' reference check enforces) and both instances up.
    k([
      'create',
      'secret',
      'generic',
      'pg-postgres-app',
      '-n',
      ns,
      '--from-literal=uri=postgresql://app:generated@pg-postgres-rw:5432/app',
    ]);
    k([
      'patch',
      'clusters.postgresql.cnpg.io',
      'pg-postgres',
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { instances: 2, readyInstances: 2 } }),
    ]);
    // Seen through the informer started when the API appeared (no operator restart).
    const sf = await waitReady(ns, 'pg');
    const db = sf.status.conditions.find((c: { type: string }) => c.type === 'DatabaseReady');
    expect(db).toMatchObject({ status: 'True', message: 'Cluster pg-postgres: 2/2 instances ready' });
  });
});
