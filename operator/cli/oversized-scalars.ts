// Naming the field of a spec file too large to parse. The YAML library needs gigabytes to build the
// value of one 50 MB scalar (and its syntax tree costs hundreds of bytes per token), so such a file
// is never parsed as it is. Its lexer is cheap: it yields the text's own slices, one token at a
// time. The over-long scalars are found there and each is replaced by a short placeholder; what is
// left is a spec of ordinary size, parsed as usual, and the placeholders' places are the key paths
// to name (with a prefix of the value as written, never more).
import { Lexer, parseAllDocuments } from 'yaml';
import type { Property, Schema } from '../api/schema.ts';
import { specSchema } from '../api/storefront-schema.ts';
import { ECHO_LIMIT } from '../api/validate-schema.ts';

export interface OversizedScalar {
  /** 1-based document of the stream; 0 when the rest of the file could not be read to place it. */
  document: number;
  /** `spec.app.image`, `spec.app.env[2].value`; for an over-long key, the map that holds it. */
  path?: string;
  /** Whether the key itself is the over-long scalar. */
  key: boolean;
  /** Characters of the scalar in the file (quotes and escapes included). */
  length: number;
  /** At most ECHO_LIMIT characters of its start, as written in the file. */
  prefix: string;
}

/** The lexer's markers (document, scalar, flow end): not part of the text. */
const MARKERS = new Set(['\u0002', '\u0018', '\u001f']);
// A block scalar keeps its final line break.
const PLACEHOLDER = /^__storefront_oversized_(\d+)__\n?$/;
const placeholder = (i: number) => `__storefront_oversized_${i}__`;

/** The token in place of an over-long scalar, of the same style so that the YAML around it holds. */
function replacement(source: string, i: number): string {
  if (source.startsWith('"') || source.startsWith("'")) return `${source[0]}${placeholder(i)}${source[0]}`;
  // Plain or block scalar: keep the first line's indentation (a block scalar's body needs it).
  const indent = /^[ \t]*/.exec(source)![0];
  return `${indent}${placeholder(i)}${source.endsWith('\n') ? '\n' : ''}`;
}

/**
 * Every scalar or key of the stream longer than `limit` characters, longest first, with its key
 * path when the rest of the file (the scalars replaced) is at most `parseLimit` characters.
 */
export function oversizedScalars(text: string, limit: number, parseLimit: number): OversizedScalar[] {
  const found: OversizedScalar[] = [];
  // Where each over-long scalar sits in the text (the lexer's tokens are the text, markers aside).
  const spans: { start: number; end: number; replacement: string }[] = [];
  let offset = 0;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    if (MARKERS.has(token)) {
      scalarNext = token === '\u001f';
      continue;
    }
    const isScalar = scalarNext || token.startsWith('"') || token.startsWith("'");
    scalarNext = false;
    if (isScalar && token.length > limit) {
      const start = token.replace(/^\s*["']?/, '');
      found.push({ document: 0, key: false, length: token.length, prefix: start.slice(0, ECHO_LIMIT) });
      spans.push({
        start: offset,
        end: offset + token.length,
        replacement: replacement(token, found.length - 1),
      });
    }
    offset += token.length;
  }
  const remaining = spans.reduce((n, s) => n - (s.end - s.start) + s.replacement.length, text.length);
  if (found.length && remaining <= parseLimit) {
    let rest = '';
    let from = 0;
    for (const s of spans) {
      rest += text.slice(from, s.start) + s.replacement;
      from = s.end;
    }
    place(rest + text.slice(from), found);
  }
  return found.sort((a, b) => b.length - a.length);
}

/** Parses what is left and records where each placeholder sits. */
function place(text: string, found: OversizedScalar[]): void {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.some((d) => d.errors.length)) return;
  const at = (value: string, document: number, path: string, key: boolean) => {
    const m = PLACEHOLDER.exec(value);
    const s = m ? found[Number(m[1])] : undefined;
    if (s) Object.assign(s, { document, path: path || '(the document)', key });
  };
  const walk = (v: unknown, document: number, path: string): void => {
    if (typeof v === 'string') at(v, document, path, false);
    else if (Array.isArray(v)) {
      for (const [i, item] of v.entries()) walk(item, document, `${path}[${i}]`);
    } else if (v && typeof v === 'object')
      for (const [k, item] of Object.entries(v)) {
        at(k, document, path, true);
        walk(item, document, path ? `${path}.${k}` : k);
      }
  };
  for (const [i, d] of docs.entries()) walk(d.toJS(), i + 1, '');
}

/** The longest string any field of the schema takes (its maxLength or longest enum value). */
export function longestString(schema: Schema): number {
  switch (schema.type) {
    case 'string':
      return schema.enum
        ? Math.max(...schema.enum.map((e: string) => e.length))
        : (schema.maxLength ?? Number.POSITIVE_INFINITY);
    case 'object':
      return Math.max(
        0,
        ...Object.values(schema.properties).map((p) => longestString((p as Property).schema)),
      );
    case 'map':
      return longestString(schema.values);
    case 'array':
      return longestString(schema.items);
    default:
      return 0;
  }
}

/** Longer than any field of a Storefront spec may be: what the scan of an oversized file names. */
export const LONGEST_SPEC_STRING = longestString(specSchema);

/** One line naming an over-long scalar, echoing at most a prefix of it. */
export function describeOversized(s: OversizedScalar): string {
  const where = s.path ? `document ${s.document}: ${s.path}` : 'a value';
  return `${where}: Too long: ${s.key ? 'a key of ' : ''}${s.length} characters (starts ${JSON.stringify(s.prefix)}...); no field of a Storefront spec takes more than ${LONGEST_SPEC_STRING}`;
}
