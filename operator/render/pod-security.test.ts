// Every pod template of every example, checked rule by rule against Pod Security `restricted`
// (https://kubernetes.io/docs/concepts/security/pod-security-standards/) plus our own bars.
import { describe, expect, it } from 'vitest';
import { render } from './render.ts';
import { exampleFiles, fixedInputs, loadExample } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';
import { restrictedProblems } from './testdata/restricted.ts';

const cases = exampleFiles().flatMap((file) => {
  const sf = loadExample(file);
  return podTemplates(render(sf, fixedInputs(sf))).map((t) => ({ file, ...t }));
});

describe('Pod Security restricted', () => {
  it('when examples are rendered, then there are pod templates to check', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.each(cases)('when $file renders $owner, then every restricted rule holds', (template) => {
    expect(restrictedProblems(template)).toEqual([]);
  });

  it('when a template breaks restricted rules, then each one is named', () => {
    const [template] = cases;
    const broken = structuredClone(template!);
    broken.spec.hostNetwork = true;
    broken.spec.containers[0].securityContext.allowPrivilegeEscalation = true;
    broken.spec.volumes = [...(broken.spec.volumes ?? []), { name: 'host', hostPath: { path: '/' } }];
    delete broken.spec.containers[0].resources.limits.memory;
    const c = broken.spec.containers[0].name;
    expect(restrictedProblems(broken)).toEqual([
      `${broken.owner}: hostNetwork`,
      `${broken.owner}: volume host has type hostPath`,
      `${broken.owner}: container ${c} allowPrivilegeEscalation`,
      `${broken.owner}: container ${c} limits.memory`,
    ]);
  });
});
