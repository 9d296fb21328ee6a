// The one validation path for Storefronts outside the API server (CLI, deployer, tests). Messages
// follow the API server's wording so that a bad spec reads the same wherever it is caught.
import { applyDefaults, isPlainObject } from './schema.ts';
import { GROUP, KIND, specSchema, VERSION } from './storefront-schema.ts';
import type { Storefront } from './types.ts';
import { type FieldError, preview, validateSchema } from './validate-schema.ts';

export type { FieldError } from './validate-schema.ts';

/** Longest Storefront name: `<name>-postgres-headless` must stay a 63-character DNS label. */
export const MAX_NAME_LENGTH = 40;
export const NAME_PATTERN = '^[a-z]([-a-z0-9]*[a-z0-9])?$';

export const nameRule = {
  cel: `self.metadata.name.size() <= ${MAX_NAME_LENGTH} && self.metadata.name.matches('${NAME_PATTERN}')`,
  message: `metadata.name must be a DNS label of at most ${MAX_NAME_LENGTH} characters starting with a letter (child objects append suffixes such as -postgres-headless)`,
};

export class StorefrontValidationError extends Error {
  readonly errors: FieldError[];
  constructor(what: string, errors: FieldError[]) {
    super(`${what} is invalid:\n${errors.map((e) => `  - ${e.message}`).join('\n')}`);
    this.name = 'StorefrontValidationError';
    this.errors = errors;
  }
}

/** Checks a document as the API server would (structure, schema, CEL rules); `old` = stored object. */
export function validateStorefront(doc: unknown, old?: unknown): FieldError[] {
  if (!isPlainObject(doc))
    return [{ path: '<root>', message: '<root>: Invalid value: the document must be a YAML/JSON object' }];
  const errors: FieldError[] = [];
  const push = (path: string, detail: string) => errors.push({ path, message: `${path}: ${detail}` });
  const shown = (v: unknown) => (typeof v === 'string' ? preview(v) : (JSON.stringify(v) ?? 'undefined'));
  if (doc.apiVersion !== `${GROUP}/${VERSION}`)
    push(
      'apiVersion',
      `Unsupported value: ${shown(doc.apiVersion)}: supported values: "${GROUP}/${VERSION}"`,
    );
  if (doc.kind !== KIND) push('kind', `Unsupported value: ${shown(doc.kind)}: supported values: "${KIND}"`);
  for (const key of Object.keys(doc)) {
    if (!['apiVersion', 'kind', 'metadata', 'spec', 'status'].includes(key))
      push(key.slice(0, 64), `unknown field "${key.slice(0, 64)}"`);
  }
  const meta = doc.metadata;
  const name = isPlainObject(meta) ? meta.name : undefined;
  if (typeof name !== 'string' || name === '') push('metadata.name', 'Required value');
  else if (name.length > MAX_NAME_LENGTH || !new RegExp(NAME_PATTERN).test(name)) {
    push('metadata.name', `Invalid value: ${preview(name)}: ${nameRule.message}`);
  }
  if (doc.spec === undefined || doc.spec === null) push('spec', 'Required value');
  else {
    const spec = applyDefaults(specSchema, doc.spec);
    const oldSpec =
      isPlainObject(old) && old.spec !== undefined ? applyDefaults(specSchema, old.spec) : undefined;
    errors.push(...validateSchema(specSchema, spec, 'spec', oldSpec));
  }
  return errors;
}

/** Validates and defaults; throws a StorefrontValidationError naming every bad field. */
export function parseStorefront(doc: unknown, what = 'Storefront', old?: unknown): Storefront {
  const errors = validateStorefront(doc, old);
  if (errors.length) throw new StorefrontValidationError(what, errors);
  return withDefaults(doc as Storefront);
}

export function withDefaults(sf: Omit<Storefront, 'spec'> & { spec: unknown }): Storefront {
  return { ...sf, spec: applyDefaults(specSchema, sf.spec) } as Storefront;
}
