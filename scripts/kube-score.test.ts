import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatObjects } from '../operator/cli/template.ts';
import { render } from '../operator/render/render.ts';
import { exampleFiles, fixedInputs, loadExample } from '../operator/render/testdata/fixtures.ts';
import { isKept, KEPT_FAILING, kubeScore, kubeScoreBinary } from './kube-score.ts';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('kube-score on the rendered examples', () => {
  it.each(exampleFiles())(
    'when %s is rendered and scored, then every failing check is one the README lists with its reason',
    { timeout: 900_000 },
    async (file) => {
      const bin = await kubeScoreBinary((l) => process.stderr.write(`${l}\n`));
      const sf = loadExample(file);
      const findings = kubeScore(bin, formatObjects(render(sf, fixedInputs(sf)), 'yaml'));
      // Something was scored: the managed examples keep at least the pull-policy finding.
      expect(findings.length).toBeGreaterThan(0);
      expect(findings.filter((f) => !isKept(f))).toEqual([]);
    },
  );

  it('when the examples are scored together, then each kept check still fires (else it should leave the list)', async () => {
    const bin = await kubeScoreBinary();
    const all = exampleFiles().flatMap((file) => {
      const sf = loadExample(file);
      return kubeScore(bin, formatObjects(render(sf, fixedInputs(sf)), 'yaml'));
    });
    for (const k of KEPT_FAILING)
      expect(
        all.some((f) => f.endsWith(` ${k.check}`)),
        k.check,
      ).toBe(true);
  }, 900_000);

  it('when the README is read, then its security section names every kept check', () => {
    for (const k of KEPT_FAILING) expect(README, k.check).toContain(`\`${k.check}\``);
  });
});
