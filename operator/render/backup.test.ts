// The backup CronJob, the restore Job and what they may reach, rendered from specs that set them.
import { describe, expect, it } from 'vitest';
import { parseStorefront } from '../api/validate.ts';
import type { KubeObject } from '../core/object.ts';
import { BACKUP_SCRIPT, RESTORE_SCRIPT, TRANSFER_SCRIPT } from './backup-scripts.ts';
import { RETAIN_ANNOTATION } from './credentials.ts';
import { names, workloadSelector } from './names.ts';
import { postgresImage } from './postgres.ts';
import { render } from './render.ts';
import { fixedInputs } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';
import { restrictedProblems } from './testdata/restricted.ts';

const shop = (database: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop', namespace: 'web' },
    spec: { host: 'shop.example.com', database, ...extra },
  });
const find = (objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as any;

describe('backup', () => {
  const sf = shop({ backup: { schedule: '*/5 * * * *', retention: { count: 3, maxAge: '2d' } } });
  const objects = render(sf, fixedInputs(sf));
  const n = names(sf);
  const cron = find(objects, 'CronJob', n.backup);
  const pod = cron?.spec.jobTemplate.spec.template;

  it('when a backup is set, then a CronJob runs one backup at a time on that schedule with bounded history', () => {
    expect(cron.spec).toMatchObject({
      schedule: '*/5 * * * *',
      timeZone: 'Etc/UTC',
      suspend: false,
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(pod.spec.containers[0].command).toEqual(['sh', '/scripts/backup.sh']);
    const env = Object.fromEntries(
      pod.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]),
    );
    expect(env).toMatchObject({ KEEP_COUNT: '3', MAX_AGE_SECONDS: String(2 * 86400), APP_VERSION: '0.1.0' });
    expect(find(objects, 'ConfigMap', n.backupScripts).data).toEqual({
      'backup.sh': BACKUP_SCRIPT,
      'restore.sh': RESTORE_SCRIPT,
      'transfer.sh': TRANSFER_SCRIPT,
    });
    // A backups volume: one container, Postgres' image, no init containers and no bucket.
    expect(pod.spec.initContainers).toBeUndefined();
    expect(pod.spec.containers.map((c: any) => [c.name, c.image])).toEqual([['backup', postgresImage(sf)]]);
    expect(Object.keys(env).filter((k) => /^(S3_|AWS_)/.test(k))).toEqual([]);
  });

  it('when the backup pod is rendered, then it is restricted, sized (ephemeral storage too) and reads the password from the Secret only', () => {
    const templates = podTemplates(objects).filter((t) => t.owner === `CronJob/${n.backup}`);
    expect(templates).toHaveLength(1);
    expect(restrictedProblems(templates[0]!)).toEqual([]);
    const c = pod.spec.containers[0];
    expect(Object.keys(c.resources.requests).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
    expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'ephemeral-storage', 'memory']);
    expect(c.env.find((e: any) => e.name === 'PGPASSWORD')).toEqual({
      name: 'PGPASSWORD',
      valueFrom: { secretKeyRef: { name: n.postgresCredentials, key: 'password' } },
    });
    const text = JSON.stringify(cron);
    expect(text).not.toContain('fixture-postgres-password');
    expect(pod.spec.volumes.find((v: any) => v.name === 'backups').persistentVolumeClaim).toEqual({
      claimName: n.backups,
    });
  });

  it('when a backup is set, then its pods may reach Postgres:5432 only and nothing may reach them', () => {
    const policy = find(objects, 'NetworkPolicy', n.netpol('backup'));
    expect(policy.spec.podSelector).toEqual({ matchLabels: workloadSelector(sf, 'backup') });
    expect(policy.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: workloadSelector(sf, 'database') } }],
        ports: [{ port: 5432, protocol: 'TCP' }],
      },
    ]);
    const postgres = find(objects, 'NetworkPolicy', n.netpol('postgres'));
    expect(postgres.spec.ingress[0].from).toContainEqual({
      podSelector: { matchLabels: workloadSelector(sf, 'backup') },
    });
  });

  it('when the backups volume keeps the default deletionPolicy, then it is marked to outlive the Storefront even under Delete', () => {
    const del = shop({ backup: { schedule: '@daily' } }, { deletionPolicy: 'Delete' });
    const pvc = find(render(del, fixedInputs(del)), 'PersistentVolumeClaim', n.backups);
    expect(pvc.metadata.annotations?.[RETAIN_ANNOTATION]).toBe('true');
    expect(pvc.spec.resources.requests.storage).toBe('10Gi');
    const follows = shop(
      { backup: { schedule: '@daily', destination: { pvc: { deletionPolicy: 'Delete', size: '3Gi' } } } },
      { deletionPolicy: 'Delete' },
    );
    const pvc2 = find(render(follows, fixedInputs(follows)), 'PersistentVolumeClaim', n.backups);
    expect(pvc2.metadata.annotations?.[RETAIN_ANNOTATION]).toBeUndefined();
    expect(pvc2.spec.resources.requests.storage).toBe('3Gi');
  });

  it('when neither backup nor restore is set, then no backup object is rendered', () => {
    const plain = shop({});
    const kinds = render(plain, fixedInputs(plain)).filter(
      (o) =>
        o.metadata.name?.includes('backup') || o.metadata.name?.includes('restore') || o.kind === 'CronJob',
    );
    expect(kinds).toEqual([]);
  });
});

describe('restore', () => {
  const sf = shop({ restore: { from: { backup: '20261201T031500Z', claimName: 'old-backups' } } });
  const n = names(sf);

  it('when the restore has not succeeded yet, then neither the migration Job nor the app workload is rendered', () => {
    const objects = render(sf, { ...fixedInputs(sf), restoreComplete: false });
    const job = find(objects, 'Job', n.restore);
    expect(job.spec.template.spec.containers[0].command).toEqual(['sh', '/scripts/restore.sh']);
    const env = Object.fromEntries(
      job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]),
    );
    expect(env).toMatchObject({ RESTORE_BACKUP: '20261201T031500Z', RESTORE_CLAIM: 'old-backups' });
    expect(
      job.spec.template.spec.volumes.find((v: any) => v.name === 'backups').persistentVolumeClaim,
    ).toEqual({
      claimName: 'old-backups',
      readOnly: true,
    });
    expect(find(objects, 'Deployment', n.app)).toBeUndefined();
    expect(find(objects, 'Job', n.migration)).toBeUndefined();
    expect(find(objects, 'PodDisruptionBudget', n.app)).toBeUndefined();
    // What does not write to the database is there already: Postgres, the Service, the policies.
    expect(find(objects, 'StatefulSet', n.postgres)).toBeDefined();
    expect(find(objects, 'Service', n.app)).toBeDefined();
    expect(find(objects, 'NetworkPolicy', n.netpol('restore')).spec.egress[0].ports).toEqual([
      { port: 5432, protocol: 'TCP' },
    ]);
    for (const t of podTemplates(objects)) expect(restrictedProblems(t)).toEqual([]);
  });

  it('when the restore succeeded, then the migration Job and the app are rendered', () => {
    const objects = render(sf, { ...fixedInputs(sf), restoreComplete: true });
    expect(find(objects, 'Deployment', n.app)).toBeDefined();
    expect(find(objects, 'Job', n.migration)).toBeDefined();
    // No backup configured: the restore reads another volume, this Storefront renders none.
    expect(find(objects, 'PersistentVolumeClaim', n.backups)).toBeUndefined();
  });

  it('when a Storefront that restores also has backups, then its backup CronJob waits for the restore (its volume does not)', () => {
    const both = shop({
      restore: { from: { backup: 'latest', claimName: 'old-backups' } },
      backup: { schedule: '* * * * *' },
    });
    const nb = names(both);
    const during = render(both, { ...fixedInputs(both), restoreComplete: false });
    expect(find(during, 'CronJob', nb.backup)).toBeUndefined();
    expect(find(during, 'PersistentVolumeClaim', nb.backups)).toBeDefined();
    const after = render(both, { ...fixedInputs(both), restoreComplete: true });
    expect(find(after, 'CronJob', nb.backup).spec.schedule).toBe('* * * * *');
  });
});
