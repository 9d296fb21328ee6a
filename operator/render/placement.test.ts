import { describe, expect, it } from 'vitest';
import type { Storefront } from '../api/types.ts';
import { parseStorefront } from '../api/validate.ts';
import type { KubeObject } from '../core/object.ts';
import { migrationJobName } from './migration.ts';
import { names, STOREFRONT_LABEL, workloadSelector } from './names.ts';
import { render } from './render.ts';
import { crossReferenceProblems } from './testdata/cross-references.ts';
import { fixedInputs } from './testdata/fixtures.ts';

const sf = (spec: Record<string, unknown> = {}): Storefront =>
  parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop', namespace: 'ns' },
    spec: { host: 'shop.example.com', ...spec },
  });

const objects = (s: Storefront): KubeObject[] => render(s, fixedInputs(s));
const find = (list: KubeObject[], kind: string, name: string): any => {
  const o = list.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const podSpec = (o: any) => o.spec.template.spec;

const SCHEDULING = {
  nodeSelector: { pool: 'shops', 'kubernetes.io/arch': 'arm64' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'shops', effect: 'NoSchedule' }],
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
      },
    },
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [
        {
          weight: 50,
          podAffinityTerm: {
            labelSelector: { matchLabels: { team: 'x' } },
            topologyKey: 'kubernetes.io/hostname',
          },
        },
      ],
    },
  },
  topologySpreadConstraints: [
    { maxSkew: 2, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'DoNotSchedule' },
  ],
  priorityClassName: 'shop-critical',
};

describe('placement: per-component scheduling and image pull secrets', () => {
  const s = sf({
    imagePullSecrets: [{ name: 'regcred' }],
    app: SCHEDULING,
    database: SCHEDULING,
    cache: SCHEDULING,
    migration: SCHEDULING,
  });
  const list = objects(s);
  const n = names(s);
  const pods: [string, any][] = [
    ['app', find(list, 'Deployment', n.app)],
    ['database', find(list, 'StatefulSet', n.postgres)],
    ['cache', find(list, 'Deployment', n.redis)],
    ['migration', find(list, 'Job', migrationJobName(s))],
  ];

  it.each(pods)('when %s sets every scheduling field, then its pod template carries them', (_c, workload) => {
    const pod = podSpec(workload);
    expect(pod.nodeSelector).toEqual(SCHEDULING.nodeSelector);
    expect(pod.tolerations).toEqual(SCHEDULING.tolerations);
    expect(pod.affinity).toEqual(SCHEDULING.affinity);
    expect(pod.priorityClassName).toBe('shop-critical');
    expect(pod.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    // The spread counts the component's own pods: its selector, whatever the user wrote.
    expect(pod.topologySpreadConstraints).toEqual([
      {
        ...SCHEDULING.topologySpreadConstraints[0],
        labelSelector: {
          matchLabels: workload.spec.selector?.matchLabels ?? workloadSelector(s, 'migration'),
        },
      },
    ]);
  });

  it('when the knobs are set, then every cross-reference still resolves', () => {
    expect(crossReferenceProblems(s, list)).toEqual([]);
  });

  it('when no scheduling is set, then the app keeps its default spread and anti-affinity and no pod has the fields', () => {
    const plain = objects(sf());
    const app = podSpec(find(plain, 'Deployment', n.app));
    expect(app.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual([
      'topology.kubernetes.io/zone',
      'kubernetes.io/hostname',
    ]);
    expect(app.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    for (const o of plain.filter((x) => ['Deployment', 'StatefulSet', 'Job'].includes(x.kind))) {
      const pod = podSpec(o);
      const fields = ['nodeSelector', 'tolerations', 'priorityClassName', 'imagePullSecrets'];
      if (o.metadata.name !== n.app) fields.push('affinity');
      for (const field of fields) expect(pod[field], `${o.kind}/${o.metadata.name} ${field}`).toBeUndefined();
    }
  });

  it('when only the migration is placed, then its Job gets a new name (its pod template changed)', () => {
    expect(migrationJobName(sf({ migration: { priorityClassName: 'batch' } }))).not.toBe(
      migrationJobName(sf()),
    );
    expect(migrationJobName(sf({ app: { priorityClassName: 'x' } }))).toBe(migrationJobName(sf()));
  });

  it('when map keys are written in another order, then the render is byte-identical', () => {
    const a = sf({
      app: { nodeSelector: { b: '1', a: '2' } },
      inheritedMetadata: { labels: { y: '1', x: '2' } },
    });
    const b = sf({
      app: { nodeSelector: { a: '2', b: '1' } },
      inheritedMetadata: { labels: { x: '2', y: '1' } },
    });
    expect(JSON.stringify(objects(a))).toBe(JSON.stringify(objects(b)));
  });
});

describe('user metadata: inheritedMetadata, ingress and Service annotations', () => {
  const s = sf({
    inheritedMetadata: {
      labels: { 'cost-center': 'web', 'app.kubernetes.io/name': 'hijack', [STOREFRONT_LABEL]: 'other' },
      annotations: { owner: 'team-shop' },
    },
    ingress: { annotations: { 'external-dns.alpha.kubernetes.io/hostname': 'shop.example.com' } },
    app: { serviceAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-internal': 'true' } },
  });
  const list = objects(s);
  const n = names(s);

  it('when inheritedMetadata is set, then every child carries it and our labels win', () => {
    for (const o of list) {
      expect(o.metadata.labels?.['cost-center'], `${o.kind}/${o.metadata.name}`).toBe('web');
      expect(o.metadata.annotations?.owner, `${o.kind}/${o.metadata.name}`).toBe('team-shop');
      expect(o.metadata.labels?.[STOREFRONT_LABEL]).toBe('shop');
      expect(o.metadata.labels?.['app.kubernetes.io/name']).not.toBe('hijack');
    }
    const plain = objects(sf());
    expect(find(list, 'Deployment', n.app).spec.selector).toEqual(
      find(plain, 'Deployment', n.app).spec.selector,
    );
    expect(crossReferenceProblems(s, list)).toEqual([]);
  });

  it('when ingress and Service annotations are set, then only the Ingress and the app Service get them, ours kept', () => {
    const ingress = find(list, 'Ingress', n.frontDoor);
    const plainIngress = find(objects(sf()), 'Ingress', n.frontDoor);
    expect(ingress.metadata.annotations['external-dns.alpha.kubernetes.io/hostname']).toBe(
      'shop.example.com',
    );
    expect(ingress.metadata.annotations).toMatchObject(plainIngress.metadata.annotations);
    const service = find(list, 'Service', n.app);
    expect(service.metadata.annotations['service.beta.kubernetes.io/aws-load-balancer-internal']).toBe(
      'true',
    );
    expect(find(list, 'Service', n.postgres).metadata.annotations).toEqual({ owner: 'team-shop' });
    expect(
      list
        .filter((o) => o.metadata.annotations?.['external-dns.alpha.kubernetes.io/hostname'])
        .map((o) => o.kind),
    ).toEqual(['Ingress']);
  });

  it('when the ingress would override one of our annotations, then ours is kept', () => {
    const plain = find(objects(sf()), 'Ingress', n.frontDoor).metadata.annotations as Record<string, string>;
    const [key, value] = Object.entries(plain)[0]!;
    const over = sf({ ingress: { annotations: { [key]: 'overridden' } } });
    expect(find(objects(over), 'Ingress', n.frontDoor).metadata.annotations[key]).toBe(value);
  });
});
