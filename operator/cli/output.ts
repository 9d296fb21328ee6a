// How results are printed: `-o json` and `-o yaml` of any value, and colour only where it helps —
// never when NO_COLOR is set, --no-color is given or the stream is not a terminal.
import { toYaml } from './yaml-emit.ts';

/**
 * kubectl and Helm read YAML 1.1, where bare `no`, `yes`, `on` and `off` are booleans: writing 1.1
 * quotes such strings (Redis's `--appendonly no` must stay a string). toYaml writes exactly what
 * `yaml` writes with these options.
 */
export const YAML_OPTIONS = { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false } as const;

export function formatValue(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : toYaml(value);
}

/** Whether to colour text written to `stream` (https://no-color.org; FORCE_COLOR wins for CI logs). */
export function useColor(stream: { isTTY?: boolean }, flag = true, env = process.env): boolean {
  if (!flag) return false;
  if (env['NO_COLOR']) return false;
  if (env['FORCE_COLOR'] && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true;
}

export type Paint = (text: string, colour: 'red' | 'green' | 'yellow' | 'bold') => string;

const CODES = { red: 31, green: 32, yellow: 33, bold: 1 } as const;

export function painter(enabled: boolean): Paint {
  return enabled ? (text, c) => `\u001b[${CODES[c]}m${text}\u001b[0m` : (text) => text;
}
