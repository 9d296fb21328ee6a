// Reading Storefront specs from files: YAML or JSON, one or more documents.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { Storefront } from '../api/types.ts';
import { parseStorefront, StorefrontValidationError } from '../api/validate.ts';

export class SpecFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpecFileError';
  }
}

/** Loads every Storefront in a file (`-` = stdin), validated and defaulted; throws naming each bad field. */
export function loadStorefronts(file: string): Storefront[] {
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new SpecFileError(`cannot read ${file}: ${(e as Error).message}`);
  }
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
  const problems: string[] = [];
  const result: Storefront[] = [];
  values.forEach((v, i) => {
    const name = (v as { metadata?: { name?: unknown } })?.metadata?.name;
    const what = `${file}: document ${i + 1}${typeof name === 'string' ? ` (Storefront "${name}")` : ''}`;
    try {
      result.push(parseStorefront(v, what));
    } catch (e) {
      if (e instanceof StorefrontValidationError) problems.push(e.message);
      else throw e;
    }
  });
  if (problems.length) throw new SpecFileError(problems.join('\n'));
  return result;
}
