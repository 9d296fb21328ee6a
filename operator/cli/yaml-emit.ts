// A YAML writer for JSON data (objects, lists, strings, numbers, booleans, null) — what every
// Kubernetes object is. It writes what the `yaml` package writes with YAML_OPTIONS (YAML 1.1
// quoting, no line folding, block lists indented under their key), byte for byte on our objects
// (yaml-emit.test.ts holds it to that), at a fraction of the cost: on a cold process, stringifying
// a Storefront's objects with `yaml` took about a third of `storefront template`.

/** Plain scalars YAML 1.1 (and 1.2) would read as something other than a string. */
const NOT_A_STRING = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON|N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/,
  /^[-+]?(?:\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$/,
  /^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$/,
  /^[-+]?0b[0-1_]+$/,
  /^[-+]?0o?[0-7_]+$/,
  /^[-+]?[0-9][0-9_]*$/,
  /^[-+]?0x[0-9a-fA-F_]+$/,
  /^<<$/,
  /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/,
  /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:t|T|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\.[0-9]+)?(?:[ \t]*(?:Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$/,
];
/** Indicators and spacing a plain scalar may not hold (the `yaml` package's own rule). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const DOCUMENT_MARKER = /^(?:%|---|\.\.\.)/m;

function quoted(s: string): string {
  // As `yaml` does: single quotes when that avoids escaping double quotes.
  if (s.includes('"') && !s.includes("'") && !CONTROL.test(s) && !s.includes('\n')) return `'${s}'`;
  return JSON.stringify(s);
}

/** Most strings of an object (names, labels, images, paths): plain unless a YAML 1.1 word. */
const SIMPLE = /^[A-Za-z_/][\w./-]*$/;
const WORD =
  /^(?:[Yy]|[Nn]|[Yy]es|YES|[Nn]o|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF|[Nn]ull|NULL)$/;

function scalarString(s: string, key: boolean, indent: string): string {
  if (SIMPLE.test(s)) return WORD.test(s) ? quoted(s) : s;
  if (CONTROL.test(s)) return JSON.stringify(s);
  if (s.includes('\n')) return key ? quoted(s) : block(s, indent);
  if (NOT_PLAIN.test(s) || NOT_A_STRING.some((re) => re.test(s))) return quoted(s);
  // `---` or `...` at the start of a line ends a document: keys near column 0 are quoted.
  if (key && indent.length <= 2 && DOCUMENT_MARKER.test(s)) return quoted(s);
  return s;
}

/** A literal block scalar (`|`), kept exact by its chomping indicator. */
function block(s: string, indent: string): string {
  if (/^[ \t]/.test(s) || /[ \t]\n/.test(s) || /\n[ \t]+\n/.test(s)) return JSON.stringify(s);
  const trailing = /\n*$/.exec(s)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing ? s.slice(0, -1) : s;
  const inner = `${indent}  `;
  return `|${chomp}\n${body
    .split('\n')
    .map((l) => (l ? inner + l : ''))
    .join('\n')}`;
}

function scalar(v: unknown, indent: string): string | undefined {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return scalarString(v, false, indent);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.length === 0) return '[]';
  if (typeof v === 'object' && Object.keys(v).length === 0) return '{}';
  return undefined;
}

function emit(v: unknown, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = scalar(item, indent);
      if (s !== undefined) {
        out.push(`${indent}- ${s}`);
        continue;
      }
      // A collection as an item starts on the dash's line: "- name: x" / "- - a".
      const lines: string[] = [];
      emit(item, `${indent}  `, lines);
      lines[0] = `${indent}- ${lines[0]!.slice(indent.length + 2)}`;
      out.push(...lines);
    }
    return;
  }
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    if (value === undefined) continue;
    const key = scalarString(k, true, indent);
    const s = scalar(value, indent);
    if (s !== undefined) out.push(`${indent}${key}: ${s}`);
    else {
      out.push(`${indent}${key}:`);
      emit(value, `${indent}  `, out);
    }
  }
}

/** One YAML document for a JSON value (no `---`). */
export function toYaml(value: unknown): string {
  const s = typeof value === 'string' ? scalarString(value, true, '') : scalar(value, '');
  if (s !== undefined) return `${s}\n`;
  const out: string[] = [];
  emit(value, '', out);
  return `${out.join('\n')}\n`;
}
