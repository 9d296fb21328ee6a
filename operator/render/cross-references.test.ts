// Every render the unit tests know — the examples and one Storefront per mode — checked for
// references that resolve (Secrets, Services, ports, selectors, HPA target, NetworkPolicies) and for
// the environment contract with the shop (app/src/config).
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../app/src/config/config.ts';
import { RESERVED_ENV } from '../api/storefront-schema.ts';
import { names } from './names.ts';
import { render } from './render.ts';
import { crossReferenceProblems, selects } from './testdata/cross-references.ts';
import { container, envContractProblems } from './testdata/env-contract.ts';
import { exampleFiles, fixedInputs, loadExample } from './testdata/fixtures.ts';
import { modeVariants } from './testdata/mode-variants.ts';

const cases = [
  ...exampleFiles().map((f) => [`example ${f}`, loadExample(f)] as const),
  ...modeVariants().map(([k, sf]) => [`mode ${k}`, sf] as const),
];

describe('cross-references of a render', () => {
  it.each(cases)('when %s is rendered, then every reference resolves', (_what, sf) => {
    expect(crossReferenceProblems(sf, render(sf, fixedInputs(sf)))).toEqual([]);
  });

  it.each(cases)(
    'when %s is rendered, then the shop reads exactly the environment it is given',
    (_what, sf) => {
      expect(envContractProblems(sf, render(sf, fixedInputs(sf)))).toEqual([]);
    },
  );

  it('when every mode is rendered, then the renderer sets every reserved variable somewhere and nothing else', () => {
    const rendered = new Set<string>();
    for (const [, sf] of cases) {
      const userNames = new Set((sf.spec.app.env ?? []).map((e) => e.name));
      const app = container(render(sf, fixedInputs(sf)), 'Deployment', names(sf).app, 'app');
      for (const e of app.env) if (!userNames.has(e.name)) rendered.add(e.name);
    }
    expect([...rendered].sort()).toEqual([...RESERVED_ENV].sort());
    // What the shop reads beyond the reserved set must work unset (it has a default) — users may set it.
    const optional = CONFIG_VARIABLES.filter((v) => !(RESERVED_ENV as readonly string[]).includes(v));
    const config = loadConfig({ PGHOST: 'db' });
    for (const v of optional) expect(config, v).toBeDefined();
    expect(RESERVED_ENV.every((v) => CONFIG_VARIABLES.includes(v))).toBe(true);
  });

  // The checker itself: each kind of break it exists for is caught.
  describe('when a render is broken on purpose', () => {
    const sf = loadExample('production.yaml');
    const broken = (edit: (objects: any[]) => void) => {
      const objects = render(sf, fixedInputs(sf)) as any[];
      edit(objects);
      return crossReferenceProblems(sf, objects);
    };
    const find = (objects: any[], kind: string, name: string) =>
      objects.find((o) => o.kind === kind && o.metadata.name === name);
    const n = names(sf);

    it('then a renamed Service port is reported at the Ingress backend', () => {
      const problems = broken((o) => {
        find(o, 'Service', n.app).spec.ports[0].name = 'web';
      });
      expect(problems).toContain(
        `Ingress/${n.frontDoor} ${sf.spec.host}/: Service ${n.app} has no port http`,
      );
    });

    it('then a missing Secret key is reported at the container reading it', () => {
      const problems = broken((o) => {
        const s = find(o, 'Secret', n.redisCredentials);
        s.data = { pass: s.data.password };
      });
      expect(problems.join('\n')).toMatch(`Secret ${n.redisCredentials} has no key password`);
    });

    it('then a label typo in a selector is reported for the Service, the PDB and the NetworkPolicy', () => {
      const problems = broken((o) => {
        const dep = find(o, 'Deployment', n.app);
        dep.spec.template.metadata.labels = {
          ...dep.spec.template.metadata.labels,
          'app.kubernetes.io/name': 'storefront-shpo',
        };
      });
      const text = problems.join('\n');
      expect(text).toContain(`Service/${n.app} selects [], meant to select [Deployment/${n.app}]`);
      expect(text).toContain(`PodDisruptionBudget/${n.app} selects []`);
      expect(text).toContain(`NetworkPolicy/${n.netpol('app')}: podSelector`);
    });

    it('then a Service that also catches the migration pods is reported', () => {
      const problems = broken((o) => {
        delete find(o, 'Service', n.app).spec.selector['app.kubernetes.io/name'];
        delete find(o, 'Service', n.app).spec.selector['app.kubernetes.io/component'];
      });
      expect(problems.join('\n')).toMatch(
        new RegExp(`Service/${n.app} selects \\[.*Job/${sf.metadata.name}-migrate-`),
      );
    });

    it('then an HPA aimed at another Deployment is reported', () => {
      const problems = broken((o) => {
        find(o, 'HorizontalPodAutoscaler', n.app).spec.scaleTargetRef.name = 'boutique-ap';
      });
      expect(problems.join('\n')).toContain('scaleTargetRef apps/v1 Deployment/boutique-ap is not rendered');
    });

    it('then a pod left out of default-deny is reported', () => {
      const problems = broken((o) => {
        const dep = find(o, 'Deployment', n.redis);
        delete dep.spec.template.metadata.labels['storefront.dev/storefront'];
      });
      expect(problems.join('\n')).toContain(`Deployment/${n.redis}: no NetworkPolicy denies`);
    });
  });

  it('when a selector uses expressions, then they follow the API server semantics', () => {
    const l = { a: '1', b: '2' };
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, l)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, l)).toBe(false);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'DoesNotExist' }] }, l)).toBe(true);
    expect(selects({ matchExpressions: [{ key: 'c', operator: 'Exists' }] }, l)).toBe(false);
    expect(selects({}, l)).toBe(true);
    expect(selects({ matchLabels: { a: '2' } }, l)).toBe(false);
  });
});
