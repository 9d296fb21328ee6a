import { describe, expect, it } from 'vitest';
import { formatValue, painter, useColor } from './output.ts';

describe('useColor', () => {
  it('when NO_COLOR is set, then there is no colour even on a terminal', () => {
    expect(useColor({ isTTY: true }, true, { NO_COLOR: '1' })).toBe(false);
  });
  it('when the stream is not a terminal, then there is no colour', () => {
    expect(useColor({ isTTY: false }, true, {})).toBe(false);
    expect(useColor({}, true, {})).toBe(false);
  });
  it('when --no-color is given, then there is no colour', () => {
    expect(useColor({ isTTY: true }, false, {})).toBe(false);
  });
  it('when on a terminal without NO_COLOR, or FORCE_COLOR is set, then it colours', () => {
    expect(useColor({ isTTY: true }, true, {})).toBe(true);
    expect(useColor({ isTTY: false }, true, { FORCE_COLOR: '1' })).toBe(true);
  });
  it('when colour is off, then painting leaves the text alone', () => {
    expect(painter(false)('True', 'green')).toBe('True');
    expect(painter(true)('True', 'green')).toBe('\u001b[32mTrue\u001b[0m');
  });
});

describe('formatValue', () => {
  it('when YAML is written, then strings YAML 1.1 would misread are quoted', () => {
    expect(formatValue({ appendonly: 'no', count: 2 }, 'yaml')).toBe('appendonly: "no"\ncount: 2\n');
    expect(JSON.parse(formatValue({ a: [1] }, 'json'))).toEqual({ a: [1] });
  });
});
