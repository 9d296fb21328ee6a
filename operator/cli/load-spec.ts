// Reading Storefront specs from files: YAML or JSON, one or more documents. Several -f files are
// layered in order and --set assignments applied on top, as helm does with values.
import { readFileSync, readSync, statSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Storefront } from '../api/types.ts';
import { parseStorefront, StorefrontValidationError } from '../api/validate.ts';
import { preview } from '../api/validate-schema.ts';
import { describeOversized, LONGEST_SPEC_STRING, oversizedScalars } from './oversized-scalars.ts';
import { type Assignment, applySets, mergeLayer } from './set-values.ts';

export class SpecFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecFileError';
  }
}

/**
 * Largest spec file parsed: the API server takes no request above 3 MiB (etcd stores at most
 * 1.5 MiB per object) and a Storefront is a few kB. The bound comes before parsing, since the YAML
 * parser needs gigabytes for a 50 MB quoted scalar; fields below it are named by validation, and
 * above it by a scan of the lexer's tokens (oversized-scalars.ts).
 */
export const MAX_SPEC_FILE_BYTES = 3 * 1024 * 1024;
/** Largest file read at all (to name its over-long fields); above it only its size is named. */
export const MAX_SCANNED_BYTES = 64 * 1024 * 1024;

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const NOT_PARSED =
  'a Storefront spec is a few kB and the API server refuses objects above 3 MiB, so it was not parsed';

/** `size`: the file's, or how much of a stream was read before giving up. */
function tooBig(file: string, size: number): SpecFileError {
  const what = file === '-' ? `the input is more than ${mib(MAX_SCANNED_BYTES)}` : `the file is ${mib(size)}`;
  return new SpecFileError(`${file}: ${what}; ${NOT_PARSED} (look for a pasted blob in a field)`);
}

/** A file above the parse bound: its over-long fields by path (at most three), else its size. */
function tooBigNamed(file: string, text: string): SpecFileError {
  const bytes = Buffer.byteLength(text);
  const long = oversizedScalars(text, LONGEST_SPEC_STRING, MAX_SPEC_FILE_BYTES);
  if (!long.length) return tooBig(file, bytes);
  const lines = long.slice(0, 3).map((s) => `${file}: ${describeOversized(s)}`);
  if (long.length > 3) lines.push(`${file}: and ${long.length - 3} more over-long values`);
  return new SpecFileError(`${lines.join('\n')}\n${file}: the file is ${mib(bytes)}; ${NOT_PARSED}`);
}

/** Standard input, read up to `max` bytes (a larger stream is refused by its size, unread). */
function readStdin(max: number): string {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(1024 * 1024);
  let total = 0;
  for (;;) {
    const n = readSync(0, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > max) throw tooBig('-', total);
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The documents of one file (`-` = stdin), parsed but not validated. */
function readDocuments(file: string): unknown[] {
  let text: string;
  try {
    if (file === '-') text = readStdin(MAX_SCANNED_BYTES);
    else {
      const size = statSync(file).size;
      if (size > MAX_SCANNED_BYTES) throw tooBig(file, size);
      text = readFileSync(file, 'utf8');
    }
  } catch (e) {
    if (e instanceof SpecFileError) throw e;
    throw new SpecFileError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (text.length > MAX_SPEC_FILE_BYTES) throw tooBigNamed(file, text);
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new SpecFileError(`${file}: not a YAML stream`);
  const values: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length) {
      throw new SpecFileError(`${file}: invalid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const v = doc.toJS();
    if (v !== null && v !== undefined) values.push(v);
  }
  if (values.length === 0) throw new SpecFileError(`${file}: no Storefront found (the file is empty)`);
  return values;
}

/**
 * Loads every Storefront of the files, validated and defaulted; throws naming each bad field.
 * One file may hold many Storefronts; several files are layers of one Storefront (later wins).
 */
export function loadStorefronts(files: string | string[], sets: Assignment[] = []): Storefront[] {
  const list = typeof files === 'string' ? [files] : files;
  if (!list.length) throw new SpecFileError('no spec given: pass -f FILE (- for stdin)');
  let values: unknown[];
  let label: string;
  if (list.length === 1) {
    values = readDocuments(list[0]!);
    label = list[0]!;
  } else {
    const layers = list.map((file) => {
      const docs = readDocuments(file);
      if (docs.length !== 1)
        throw new SpecFileError(
          `${file} holds ${docs.length} documents; when several -f files are layered, each holds one Storefront (or a part of one)`,
        );
      return docs[0];
    });
    values = [layers.reduce((acc, layer) => mergeLayer(acc, layer))];
    label = list.join(' + ');
  }
  if (sets.length) {
    if (values.length !== 1)
      throw new SpecFileError(`--set applies to one Storefront; ${label} holds ${values.length}`);
    values = [applySets(values[0], sets)];
  }
  const problems: string[] = [];
  const result: Storefront[] = [];
  values.forEach((v, i) => {
    const name = (v as { metadata?: { name?: unknown } })?.metadata?.name;
    const what = `${label}: document ${i + 1}${typeof name === 'string' ? ` (Storefront ${preview(name)})` : ''}`;
    try {
      result.push(parseStorefront(v, what));
    } catch (e) {
      if (e instanceof StorefrontValidationError) problems.push(e.message);
      else throw e;
    }
  });
  problems.push(...duplicates(label, result));
  if (problems.length) throw new SpecFileError(problems.join('\n'));
  return result;
}

/** Two Storefronts of one name and namespace in one file: the second would silently replace the first. */
function duplicates(file: string, storefronts: Storefront[]): string[] {
  const first = new Map<string, number>();
  const problems: string[] = [];
  storefronts.forEach((sf, i) => {
    const key = `${sf.metadata.namespace ?? ''}/${sf.metadata.name}`;
    const seen = first.get(key);
    if (seen === undefined) first.set(key, i);
    else
      problems.push(
        `${file}: Storefront "${sf.metadata.name}" is defined twice (Storefronts ${seen + 1} and ${i + 1} of the file):\n  - metadata.name: Duplicate value: "${sf.metadata.name}": give each Storefront its own name, or keep one of them`,
      );
  });
  return problems;
}
