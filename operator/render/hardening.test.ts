// Render-level findings of the hardening review (issue 13): drains, probes, ephemeral storage, UIDs.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/object.ts';
import { render } from './render.ts';
import { exampleFiles, fixedInputs, loadExample } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';

const rendered = (file: string) => {
  const sf = loadExample(file);
  return render(sf, fixedInputs(sf)) as KubeObject[];
};
const find = (objects: KubeObject[], kind: string, suffix: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name?.endsWith(suffix)) as any;

describe('hardened render', () => {
  it('when the single Postgres is drained, then its PDB allows the one eviction (minAvailable 1 of 1 blocked drains forever)', () => {
    const pdb = find(rendered('minimal.yaml'), 'PodDisruptionBudget', '-postgres');
    expect(pdb.spec.minAvailable).toBeUndefined();
    expect(pdb.spec.maxUnavailable).toBe(1);
  });

  it('when Postgres is rendered, then liveness (TCP) and readiness (pg_isready) are different probes', () => {
    const sts = find(rendered('minimal.yaml'), 'StatefulSet', '-postgres');
    const c = sts.spec.template.spec.containers[0];
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 'postgres' });
    expect(c.livenessProbe.exec).toBeUndefined();
    expect(c.readinessProbe.exec.command).toContain('pg_isready');
  });

  it.each(exampleFiles())(
    'when %s is rendered, then every container requests and limits ephemeral storage covering its disk scratch volumes',
    (file) => {
      for (const t of podTemplates(rendered(file))) {
        const disk = new Map<string, string>();
        for (const v of t.spec.volumes ?? []) {
          if (v.emptyDir) {
            expect(v.emptyDir.sizeLimit, `${t.owner} ${v.name}`).toBeTruthy();
            if (v.emptyDir.medium !== 'Memory') disk.set(v.name, v.emptyDir.sizeLimit);
          }
        }
        for (const c of [...(t.spec.initContainers ?? []), ...t.spec.containers]) {
          const r = c.resources;
          expect(r?.requests?.['ephemeral-storage'], `${t.owner} ${c.name}`).toBeTruthy();
          expect(r?.limits?.['ephemeral-storage'], `${t.owner} ${c.name}`).toBeTruthy();
          const mib = (q: string) => Number(q.replace(/Mi$/, ''));
          const scratch = (c.volumeMounts ?? [])
            .filter((m: { name: string }) => disk.has(m.name))
            .reduce((sum: number, m: { name: string }) => sum + mib(disk.get(m.name)!), 0);
          expect(mib(r.limits['ephemeral-storage']), `${t.owner} ${c.name}`).toBeGreaterThan(scratch);
        }
      }
    },
  );

  it('when Redis is rendered, then it runs as a UID and GID above 10000', () => {
    const redis = find(rendered('minimal.yaml'), 'Deployment', '-redis');
    const sc = redis.spec.template.spec.securityContext;
    expect(sc.runAsUser).toBeGreaterThan(10000);
    expect(sc.runAsGroup).toBeGreaterThan(10000);
  });
});
