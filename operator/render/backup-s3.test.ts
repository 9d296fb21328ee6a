// Backups to and restores from an S3-compatible bucket, as rendered: no volume claim, a scratch
// volume, the work split between Postgres' image (pg_dump, pg_restore) and the shop image (curl:
// check, upload, download), the key pair by secretKeyRef to the shop-image containers only, egress
// to exactly the configured CIDRs, and the same static checks (restricted Pod Security,
// ephemeral storage, kube-score) as every other pod.
import { describe, expect, it } from 'vitest';
import { isKept, kubeScore, kubeScoreBinary } from '../../scripts/kube-score.ts';
import { parseStorefront } from '../api/validate.ts';
import { formatObjects } from '../cli/template.ts';
import type { KubeObject } from '../core/object.ts';
import { names, workloadSelector } from './names.ts';
import { render } from './render.ts';
import { fixedInputs } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';
import { restrictedProblems } from './testdata/restricted.ts';

const S3 = {
  endpoint: 'https://s3.example.com',
  bucket: 'shop-backups',
  credentialsSecret: { name: 's3-credentials' },
  egress: [
    { cidr: '192.0.2.0/28', ports: [443] },
    { cidr: '2001:db8::/64', ports: [443, 9000] },
  ],
};
const shop = (database: Record<string, unknown>, name = 'shop') =>
  parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name, namespace: 'web' },
    spec: { host: 'shop.example.com', database: { storage: { size: '20Gi' }, ...database } },
  });
const find = (objects: KubeObject[], kind: string, name: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
const envOfContainer = (c: any) =>
  Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
/** Every container of the pod, init containers first (the order they run in). */
const allContainers = (pod: any): any[] => [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
const byName = (pod: any, name: string) => allContainers(pod).find((c) => c.name === name);
/** The env of the pod's containers that talk to the bucket, merged. */
const envOf = (pod: any) =>
  Object.assign(
    {},
    ...allContainers(pod)
      .map(envOfContainer)
      .filter((e) => e.S3_ENDPOINT),
  );
const KEY_PAIR = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

describe('backup with destination s3', () => {
  const sf = shop({ backup: { schedule: '@daily', retention: { count: 5 }, destination: { s3: S3 } } });
  const objects = render(sf, fixedInputs(sf));
  const n = names(sf);
  const cron = find(objects, 'CronJob', n.backup);
  const pod = cron.spec.jobTemplate.spec.template;

  it('when destination is s3, then no backups volume is claimed and the pod stages the backup in a scratch volume the size of the database volume', () => {
    expect(find(objects, 'PersistentVolumeClaim', n.backups)).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'PersistentVolumeClaim')).toEqual([]);
    const backups = pod.spec.volumes.find((v: any) => v.name === 'backups');
    expect(backups).toEqual({ name: 'backups', emptyDir: { sizeLimit: '20480Mi' } });
    for (const c of allContainers(pod))
      expect(c.resources.limits['ephemeral-storage'], c.name).toBe('20608Mi');
    expect(cron.spec).toMatchObject({
      concurrencyPolicy: 'Forbid',
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
  });

  it('when destination is s3, then the bucket settings are env and the key pair comes by secretKeyRef only', () => {
    expect(envOf(pod)).toMatchObject({
      S3_ENDPOINT: 'https://s3.example.com',
      S3_BUCKET: 'shop-backups',
      S3_PREFIX: 'shop/',
      S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: { secretKeyRef: { name: 's3-credentials', key: 'AWS_ACCESS_KEY_ID' } },
      AWS_SECRET_ACCESS_KEY: { secretKeyRef: { name: 's3-credentials', key: 'AWS_SECRET_ACCESS_KEY' } },
    });
  });

  it('when destination is s3, then the bucket check runs first and the upload last in the shop image, and only the dump in the Postgres image', () => {
    expect(pod.spec.initContainers.map((c: any) => [c.name, c.image, c.command])).toEqual([
      ['bucket-check', sf.spec.app.image, ['sh', '/scripts/transfer.sh', 'check']],
      ['backup', 'docker.io/library/postgres:17-bookworm', ['sh', '/scripts/backup.sh']],
    ]);
    expect(pod.spec.containers.map((c: any) => [c.name, c.image, c.command])).toEqual([
      ['upload', sf.spec.app.image, ['sh', '/scripts/transfer.sh', 'upload']],
    ]);
    for (const c of allContainers(pod)) {
      // All three share the scratch volume (the dump passes through it) and the scripts.
      expect(c.volumeMounts.map((m: any) => m.name).sort(), c.name).toEqual(['backups', 'scripts', 'tmp']);
      expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    }
    expect(byName(pod, 'upload').imagePullPolicy).toBe(sf.spec.app.imagePullPolicy);
  });

  it('when the shop image is pulled Always, then so are the transfer containers, and the dump keeps IfNotPresent', () => {
    const always = shop({ backup: { schedule: '@daily', destination: { s3: S3 } } });
    always.spec.app.imagePullPolicy = 'Always';
    const t = find(render(always, fixedInputs(always)), 'CronJob', names(always).backup).spec.jobTemplate.spec
      .template;
    expect(allContainers(t).map((c: any) => [c.name, c.imagePullPolicy])).toEqual([
      ['bucket-check', 'Always'],
      ['backup', 'IfNotPresent'],
      ['upload', 'Always'],
    ]);
  });

  it('when destination is s3, then the key pair reaches only the shop-image containers and the database password only the Postgres one', () => {
    const env = (name: string) => envOfContainer(byName(pod, name));
    for (const name of ['bucket-check', 'upload']) {
      expect(
        Object.keys(env(name)).filter((k) => KEY_PAIR.includes(k) || k.startsWith('PG')),
        name,
      ).toEqual(KEY_PAIR);
    }
    expect(env('backup').PGPASSWORD).toEqual({
      secretKeyRef: { name: n.postgresCredentials, key: 'password' },
    });
    for (const k of KEY_PAIR) expect(env('backup')[k]).toBeUndefined();
    // The dump knows where it goes (its log line names the bucket), not how to get in.
    expect(env('backup')).toMatchObject({ S3_BUCKET: 'shop-backups', STOREFRONT: 'shop' });
    // Retention is the upload's: the dump does not apply it.
    expect(env('upload')).toMatchObject({ KEEP_COUNT: '5', MAX_AGE_SECONDS: '0' });
    expect(env('backup').KEEP_COUNT).toBeUndefined();
    expect(env('bucket-check').KEEP_COUNT).toBeUndefined();
  });

  it('when destination is s3, then its pods may reach Postgres and exactly the egress CIDRs on their ports', () => {
    const policy = find(objects, 'NetworkPolicy', n.netpol('backup'));
    expect(policy.spec.podSelector).toEqual({ matchLabels: workloadSelector(sf, 'backup') });
    expect(policy.spec.ingress).toBeUndefined();
    expect(policy.spec.egress).toEqual([
      {
        to: [{ podSelector: { matchLabels: workloadSelector(sf, 'database') } }],
        ports: [{ port: 5432, protocol: 'TCP' }],
      },
      { to: [{ ipBlock: { cidr: '192.0.2.0/28' } }], ports: [{ port: 443, protocol: 'TCP' }] },
      {
        to: [{ ipBlock: { cidr: '2001:db8::/64' } }],
        ports: [
          { port: 443, protocol: 'TCP' },
          { port: 9000, protocol: 'TCP' },
        ],
      },
    ]);
  });

  it('when destination is s3, then the pod is restricted and its ephemeral storage covers its scratch volumes', () => {
    const [t] = podTemplates(objects).filter((t) => t.owner === `CronJob/${n.backup}`);
    expect(restrictedProblems(t!)).toEqual([]);
    // restrictedProblems walks init containers too: all three are there, read-only and limited.
    expect(allContainers(t!).map((c) => [c.name, c.securityContext.readOnlyRootFilesystem])).toEqual([
      ['bucket-check', true],
      ['backup', true],
      ['upload', true],
    ]);
    const mib = (q: string) => Number(q.replace(/Mi$/, ''));
    const disk = t!.spec.volumes
      .filter((v: any) => v.emptyDir && v.emptyDir.medium !== 'Memory')
      .reduce((sum: number, v: any) => sum + mib(v.emptyDir.sizeLimit), 0);
    for (const c of allContainers(t!))
      expect(mib(c.resources.limits['ephemeral-storage']), c.name).toBeGreaterThan(disk);
  });

  it('when destination is s3, then kube-score finds nothing the README does not list', async () => {
    const bin = await kubeScoreBinary();
    const findings = kubeScore(bin, formatObjects(objects, 'yaml'));
    expect(findings.filter((f) => !isKept(f))).toEqual([]);
  }, 600_000);
});

describe('restore from s3', () => {
  it('when restore.from names neither claimName nor s3 and the backup destination is s3, then it restores from that bucket', () => {
    const sf = shop({
      backup: { schedule: '@daily', destination: { s3: S3 } },
      restore: { from: { backup: 'latest' } },
    });
    const objects = render(sf, fixedInputs(sf));
    const job = find(objects, 'Job', names(sf).restore);
    const env = envOf(job.spec.template);
    expect(env).toMatchObject({ RESTORE_BACKUP: 'latest', S3_BUCKET: 'shop-backups', S3_PREFIX: 'shop/' });
    expect(env.RESTORE_CLAIM).toBeUndefined();
    expect(job.spec.template.spec.volumes.find((v: any) => v.name === 'backups').emptyDir).toBeDefined();
    // The download first, in the shop image with the key pair; then the check and pg_restore in
    // Postgres' image with the password and without the key pair.
    const t = job.spec.template;
    expect(t.spec.initContainers.map((c: any) => [c.name, c.image, c.command])).toEqual([
      ['download', sf.spec.app.image, ['sh', '/scripts/transfer.sh', 'download']],
    ]);
    expect(t.spec.containers.map((c: any) => [c.name, c.image, c.command])).toEqual([
      ['restore', 'docker.io/library/postgres:17-bookworm', ['sh', '/scripts/restore.sh']],
    ]);
    const download = envOfContainer(byName(t, 'download'));
    const restore = envOfContainer(byName(t, 'restore'));
    expect(download).toMatchObject({ RESTORE_BACKUP: 'latest', S3_PREFIX: 'shop/' });
    expect(Object.keys(download).filter((k) => KEY_PAIR.includes(k) || k.startsWith('PG'))).toEqual(KEY_PAIR);
    expect(restore).toMatchObject({ RESTORE_BACKUP: 'latest', S3_PREFIX: 'shop/' });
    expect(restore.PGPASSWORD).toBeDefined();
    for (const k of KEY_PAIR) expect(restore[k]).toBeUndefined();
  });

  it("when restore.from.s3 names another Storefront's prefix, then the restore Job reads it, may reach its CIDRs, and claims nothing", () => {
    const sf = shop(
      {
        restore: {
          from: { backup: '20261201T031500Z', s3: { ...S3, prefix: 'old-shop/', region: 'eu-central-1' } },
        },
      },
      'new-shop',
    );
    const objects = render(sf, fixedInputs(sf));
    const n = names(sf);
    const job = find(objects, 'Job', n.restore);
    expect(envOf(job.spec.template)).toMatchObject({ S3_PREFIX: 'old-shop/', S3_REGION: 'eu-central-1' });
    const mount = byName(job.spec.template, 'download').volumeMounts.find((m: any) => m.name === 'backups');
    expect(mount.readOnly).toBeUndefined(); // the download is written there
    expect(
      objects.filter((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === n.backups),
    ).toEqual([]);
    const policy = find(objects, 'NetworkPolicy', n.netpol('restore'));
    expect(policy.spec.egress.slice(1).map((e: any) => e.to[0].ipBlock.cidr)).toEqual([
      '192.0.2.0/28',
      '2001:db8::/64',
    ]);
    const [t] = podTemplates(objects).filter((t) => t.owner === `Job/${n.restore}`);
    expect(restrictedProblems(t!)).toEqual([]);
  });

  it('when restore.from.claimName is set beside an s3 destination, then the restore reads that volume', () => {
    const sf = shop({
      backup: { schedule: '@daily', destination: { s3: S3 } },
      restore: { from: { backup: 'latest', claimName: 'old-backups' } },
    });
    const job = find(render(sf, fixedInputs(sf)), 'Job', names(sf).restore);
    expect(
      job.spec.template.spec.volumes.find((v: any) => v.name === 'backups').persistentVolumeClaim,
    ).toEqual({
      claimName: 'old-backups',
      readOnly: true,
    });
    expect(envOf(job.spec.template).S3_ENDPOINT).toBeUndefined();
    expect(job.spec.template.spec.initContainers).toBeUndefined();
    expect(job.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['restore']);
  });
});
