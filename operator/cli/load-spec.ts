// Reading Storefront specs from files: YAML or JSON, one or more documents. Several -f files are
// layered in order and --set assignments applied on top, as helm does with values.
import { readFileSync, statSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Storefront } from '../api/types.ts';
import { parseStorefront, StorefrontValidationError } from '../api/validate.ts';
import { preview } from '../api/validate-schema.ts';
import { type Assignment, applySets, mergeLayer } from './set-values.ts';

export class SpecFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecFileError';
  }
}

/**
 * Largest spec file read: the API server takes no request above 3 MiB (etcd stores at most
 * 1.5 MiB per object) and a Storefront is a few kB. The bound comes before parsing, since the YAML
 * parser needs gigabytes for a 50 MB quoted scalar; fields below it are named by validation.
 */
export const MAX_SPEC_FILE_BYTES = 3 * 1024 * 1024;

function tooBig(file: string, bytes: number): SpecFileError {
  return new SpecFileError(
    `${file}: the file is ${(bytes / 1024 / 1024).toFixed(1)} MiB; a Storefront spec is a few kB and the API server refuses objects above 3 MiB, so it was not parsed (look for a pasted blob in a field)`,
  );
}

/** The documents of one file (`-` = stdin), parsed but not validated. */
function readDocuments(file: string): unknown[] {
  let text: string;
  try {
    if (file !== '-' && statSync(file).size > MAX_SPEC_FILE_BYTES) throw tooBig(file, statSync(file).size);
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    if (e instanceof SpecFileError) throw e;
    throw new SpecFileError(`cannot read ${file}: ${(e as Error).message}`);
  }
  if (text.length > MAX_SPEC_FILE_BYTES) throw tooBig(file, Buffer.byteLength(text));
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
