// The Job `storefront backup list` runs, built from the rendered backup CronJob.
import { describe, expect, it } from 'vitest';
import { parseStorefront } from '../api/validate.ts';
import type { KubeObject } from '../core/object.ts';
import { backupListJob, type CronJobObject, LIST_CONTAINER } from './backup-list.ts';
import { LIST_SCRIPT } from './backup-scripts.ts';
import { names } from './names.ts';
import { render } from './render.ts';
import { fixedInputs } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';
import { restrictedProblems } from './testdata/restricted.ts';

const sf = parseStorefront({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name: 'shop', namespace: 'web' },
  spec: {
    host: 'shop.example.com',
    database: { backup: { schedule: '@daily' }, nodeSelector: { disk: 'ssd' } },
  },
});
const objects = render(sf, fixedInputs(sf));
const n = names(sf);
const cron = {
  ...objects.find((o) => o.kind === 'CronJob' && o.metadata.name === n.backup)!,
  metadata: { name: n.backup, namespace: 'web', uid: 'cron-uid' },
} as CronJobObject;
const job = backupListJob(cron, 'shop-backup-list-x') as any;
const pod = job.spec.template;

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('backup list Job', () => {
  it('when built from the backup CronJob, then its pod is admissible under restricted and runs the list script on the volume read-only', () => {
    const templates = podTemplates([job as KubeObject]);
    expect(templates).toHaveLength(1);
    expect(restrictedProblems(templates[0]!)).toEqual([]);
    const c = pod.spec.containers[0];
    expect(pod.spec.containers).toHaveLength(1);
    expect(c.name).toBe(LIST_CONTAINER);
    expect(c.command).toEqual(['sh', '-c', LIST_SCRIPT]);
    expect(c.image).toBe(cron.spec.jobTemplate.spec.template.spec!.containers[0]!.image);
    expect(c.volumeMounts).toContainEqual({ name: 'backups', mountPath: '/backups', readOnly: true });
    expect(pod.spec.volumes).toContainEqual({
      name: 'backups',
      persistentVolumeClaim: { claimName: n.backups, readOnly: true },
    });
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
  });

  it('when built, then it holds no credential: no Secret reference, no service account token', () => {
    const text = JSON.stringify(job);
    expect(text).not.toContain('secretKeyRef');
    expect(text).not.toContain(n.postgresCredentials);
    expect(pod.spec.containers[0].env).toEqual([{ name: 'BACKUP_ROOT', value: '/backups' }]);
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  it('when built, then it runs where backups run (the same placement) and finishes on its own', () => {
    expect(pod.spec.nodeSelector).toEqual({ disk: 'ssd' });
    expect(job.spec).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 300,
      ttlSecondsAfterFinished: 600,
    });
    expect(pod.spec.restartPolicy).toBe('Never');
  });

  it('when its labels are compared with the NetworkPolicies, then only default-deny and DNS select it (no egress to Postgres)', () => {
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as any[];
    const selecting = policies
      .filter((p) => matches(p.spec.podSelector.matchLabels ?? {}, pod.metadata.labels))
      .map((p) => p.metadata.name)
      .sort();
    expect(selecting).toEqual(['shop-allow-dns', 'shop-default-deny']);
  });

  it('when built, then it is not a backup: another component, owned by the CronJob without being its controller', () => {
    expect(job.metadata.labels['app.kubernetes.io/component']).toBe('backup-list');
    expect(job.metadata.ownerReferences).toEqual([
      { apiVersion: 'batch/v1', kind: 'CronJob', name: n.backup, uid: 'cron-uid' },
    ]);
  });

  it('when the CronJob has no backups volume, then it says the CronJob was not rendered by Storefront', () => {
    const bare = structuredClone(cron) as any;
    bare.spec.jobTemplate.spec.template.spec.volumes = [];
    expect(() => backupListJob(bare, 'x')).toThrow(
      /CronJob web\/shop-backup has no backup container or backups volume/,
    );
  });
});

describe('backup list Job with destination s3', () => {
  const s3sf = parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop', namespace: 'web' },
    spec: {
      host: 'shop.example.com',
      database: {
        backup: {
          schedule: '@daily',
          destination: {
            s3: {
              endpoint: 'https://s3.example.com',
              bucket: 'shop-backups',
              credentialsSecret: { name: 's3-credentials' },
              egress: [{ cidr: '192.0.2.0/28', ports: [443] }],
            },
          },
        },
      },
    },
  });
  const rendered = render(s3sf, fixedInputs(s3sf));
  const s3cron = {
    ...rendered.find((o) => o.kind === 'CronJob' && o.metadata.name === n.backup)!,
    metadata: { name: n.backup, namespace: 'web', uid: 'cron-uid' },
  } as CronJobObject;
  const s3job = backupListJob(s3cron, 'shop-backup-list-y') as any;
  const s3pod = s3job.spec.template;

  it('when built from an s3 backup CronJob, then it mounts no volume, takes the bucket env and key pair by secretKeyRef, and no database password', () => {
    expect(restrictedProblems(podTemplates([s3job as KubeObject])[0]!)).toEqual([]);
    const c = s3pod.spec.containers[0];
    // The shop image (curl): the official postgres image has none. None of the backup pod's init
    // containers (bucket check, dump) comes along.
    expect(c.image).toBe(s3sf.spec.app.image);
    expect(c.imagePullPolicy).toBe(s3sf.spec.app.imagePullPolicy);
    expect(s3pod.spec.initContainers).toBeUndefined();
    expect(s3pod.spec.containers).toHaveLength(1);
    expect(s3pod.spec.volumes.map((v: any) => v.name)).toEqual(['tmp']);
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toMatchObject({
      S3_BUCKET: 'shop-backups',
      S3_PREFIX: 'shop/',
      AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 's3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } },
    });
    expect(env.PGPASSWORD).toBeUndefined();
  });

  it('when built from an s3 backup CronJob, then only the backup-list policy lets it out, to the bucket CIDRs alone', () => {
    const labels = s3pod.metadata.labels;
    const selects = (sel: any) =>
      matches(sel.matchLabels ?? {}, labels) &&
      (sel.matchExpressions ?? []).every((e: any) => e.operator === 'In' && e.values.includes(labels[e.key]));
    const selecting = rendered.filter(
      (o: any) => o.kind === 'NetworkPolicy' && selects(o.spec.podSelector),
    ) as any[];
    const names_ = selecting.map((p) => p.metadata.name).sort();
    expect(names_).toEqual([n.netpol('allow-dns'), n.netpol('backup-list'), n.netpol('default-deny')].sort());
    const list = selecting.find((p) => p.metadata.name === n.netpol('backup-list'));
    expect(list.spec.ingress).toBeUndefined();
    expect(list.spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '192.0.2.0/28' } }], ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
  });
});
