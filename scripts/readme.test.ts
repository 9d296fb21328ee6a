import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { specReference } from '../operator/api/reference.ts';
import { readSection } from './readme-sections.ts';

const readme = readFileSync(join(import.meta.dirname, '../README.md'), 'utf8');

describe('README', () => {
  it('when the README is read, then it opens with exactly the two set-up commands', () => {
    const firstBlock = /```(?:bash|sh)\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = firstBlock.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(commands).toEqual(['npm install && npm start', 'npm install && npm test']);
  });

  it('when the spec reference is compared with the API definition, then it is current (run `npm run docs`)', () => {
    expect(readSection(readme, 'spec-reference')).toBe(specReference());
  });
});
