import { describe, expect, it } from 'vitest';
import { diffLines, hunks } from './text-diff.ts';

describe('line diff', () => {
  it('when one line changes, then it reads as - old / + new with context around it', () => {
    const a = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
    const b = ['a', 'b', 'c', 'd', 'E', 'f', 'g', 'h', 'i'];
    expect(hunks(diffLines(a, b), 1)).toEqual(['  ...', '  d', '- e', '+ E', '  f', '  ...']);
  });

  it('when inputs are equal, then there are no hunks; additions and removals at the ends are kept', () => {
    expect(hunks(diffLines(['x'], ['x']))).toEqual([]);
    expect(diffLines([], ['n'])).toEqual([{ op: '+', text: 'n' }]);
    expect(diffLines(['o'], [])).toEqual([{ op: '-', text: 'o' }]);
  });
});
