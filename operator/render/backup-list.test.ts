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
