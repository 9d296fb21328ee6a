import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.ts';

describe('parseDuration (Go time.ParseDuration)', () => {
  it.each([
    ['5m0s', 300_000],
    ['1m30s', 90_000],
    ['90s', 90_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['300ms', 300],
    ['1s500ms', 1500],
    ['0', 0],
    ['0s', 0],
  ])('when given %s, then it is %d ms', (text, ms) => {
    expect(parseDuration('timeout', text)).toBe(ms);
  });

  it.each(['5', '5 m', 'm5', '5d', '-1s', '', '1m30'])(
    'when given "%s", then the error names the flag and the accepted shape',
    (text) => {
      expect(() => parseDuration('timeout', text)).toThrow(/--timeout must be a duration like 90s, 5m0s/);
    },
  );
});
