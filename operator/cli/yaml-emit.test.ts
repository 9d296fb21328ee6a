import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { render } from '../render/render.ts';
import { exampleFiles, fixedInputs, loadExample } from '../render/testdata/fixtures.ts';
import { YAML_OPTIONS } from './output.ts';
import { toYaml } from './yaml-emit.ts';

const TRICKY = [
  '',
  ' ',
  'no',
  'No',
  'NO',
  'n',
  'y',
  'yes',
  'on',
  'off',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '<<',
  '=',
  '17',
  '-1',
  '+1',
  '0777',
  '0o17',
  '0x1F',
  '0b101',
  '1_000',
  '1e3',
  '1.5',
  '.5',
  '5.',
  '.inf',
  '-.Inf',
  '.nan',
  '12:30',
  '1:20:30.5',
  '2001-12-14',
  '2027-02-23T00:00:00.000Z',
  '2001-12-14 21:59:43.10 -5',
  ' leading',
  'trailing ',
  'a: b',
  'a:b',
  'ends:',
  'a #b',
  'a#b',
  '#x',
  '- x',
  '-x',
  '-',
  '?',
  '? x',
  ':x',
  '@x',
  '`x',
  '"x"',
  "'x'",
  'say "hi"',
  `it's "x"`,
  '{x}',
  '[x]',
  'a, b',
  '*x',
  '&x',
  '!x',
  '%x',
  '|',
  '>',
  'line\nline',
  'line\nline\n',
  'line\n\n',
  '\nlead',
  ' indented\nx',
  'trail \nx',
  'tab\tx',
  '\ttab',
  'bell\u0007',
  'ünïcödé ✓',
  '---',
  '--- x',
  '...',
  'a\n---\nb',
  'REDISCLI_AUTH="$X" redis-cli ping | grep -q PONG',
  'ghcr.io/storefront/app:1.2.3',
  '/healthz',
  'app.kubernetes.io/name',
  '100m',
  '128Mi',
  '0.5',
];

describe('toYaml', () => {
  it.each(exampleFiles())(
    'when %s is rendered, then it writes what the yaml package writes, byte for byte',
    (file) => {
      const sf = loadExample(file);
      for (const o of render(sf, fixedInputs(sf))) expect(toYaml(o)).toBe(stringify(o, YAML_OPTIONS));
    },
  );

  it('when strings look like other types, indicators or several lines, then YAML 1.1 and 1.2 read them back unchanged', () => {
    const value = {
      list: TRICKY,
      map: Object.fromEntries(TRICKY.map((s, i) => [s, i])),
      nested: [{ a: TRICKY, b: [[1, 'no'], []], c: {} }, [], {}, null, true, 0.25, -3],
    };
    const text = toYaml(value);
    expect(parse(text, { version: '1.1' })).toEqual(value);
    expect(parse(text)).toEqual(value);
  });

  it('when strings are plain-safe or ordinary objects, then the output is what the yaml package writes', () => {
    // Two deliberate differences: "0o17" (YAML 1.2 reads an octal number) and "<<" (YAML 1.1's
    // merge key) are quoted here; `yaml` leaves them plain as values.
    const plainable = TRICKY.filter(
      (s) => !s.includes('\n') && !s.includes('\u0007') && s !== '0o17' && s !== '<<',
    );
    const sample = { a: plainable, b: { c: [{ d: 'x' }] } };
    expect(toYaml(sample)).toBe(stringify(sample, YAML_OPTIONS));
  });
});
