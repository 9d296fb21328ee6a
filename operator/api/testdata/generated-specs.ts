// Storefront documents generated from the schema itself (operator/api/storefront-schema.ts), so a
// new field is generated the day it is added. fast-check gives shrinking and reproducible seeds:
// every property test runs with GENERATED_SPECS_SEED (default below) and prints the seed it used.
import fc from 'fast-check';
import { CONFIG_VARIABLES } from '../../../app/src/config/config.ts';
import { isPlainObject, type Property, type Schema } from '../schema.ts';
import { RESERVED_ENV, specSchema } from '../storefront-schema.ts';
import { MAX_NAME_LENGTH, validateStorefront } from '../validate.ts';

/** The seed every generated-spec test uses; set GENERATED_SPECS_SEED to replay another run. */
export const GENERATED_SPECS_SEED = Number(process.env.GENERATED_SPECS_SEED ?? 20261201);

/** fast-check parameters shared by the generated-spec tests. */
export function fcParams(numRuns: number): fc.Parameters<unknown> {
  return { seed: GENERATED_SPECS_SEED, numRuns, endOnFailure: false };
}

// Quantities the way people write them; the schema's pattern also admits `+.5e-3`, which the
// invalid-value generator below uses, but valid specs need comparable sizes to pass the CEL rules.
const quantity = fc
  .tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom('', 'm', 'k', 'Ki', 'Mi', 'Gi', 'M', 'G'))
  .map(([n, unit]) => `${n}${unit}`);

// User variables the shop itself reads with a format of its own (LOG_LEVEL, ...) would make the
// generated shop refuse to start for reasons that are the user's, not the renderer's.
const shopVariables = new Set(
  CONFIG_VARIABLES.filter((v) => !(RESERVED_ENV as readonly string[]).includes(v)),
);

/** Omitted more often than set, so most specs lean on defaults the way real ones do. */
function sometimes<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

function arbitraryOf(schema: Schema, path: string): fc.Arbitrary<unknown> {
  switch (schema.type) {
    case 'string': {
      if (schema.enum) return fc.constantFrom(...schema.enum);
      if (schema.quantity) return quantity;
      const max = Math.min(schema.maxLength ?? 24, 40);
      const min = schema.minLength ?? 0;
      if (!schema.pattern) return fc.string({ minLength: min, maxLength: Math.min(max, 16) });
      let arb = fc
        .stringMatching(new RegExp(schema.pattern), { size: 'xsmall' })
        .filter((s) => s.length >= min && s.length <= max);
      if (path.endsWith('.env[].name')) arb = arb.filter((s) => !shopVariables.has(s));
      return arb;
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: Math.min(schema.maximum ?? 1000, 100_000) });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const items = arbitraryOf(schema.items, `${path}[]`);
      const constraints = { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) };
      const keys = schema.listType === 'map' ? schema.listMapKeys : undefined;
      return keys
        ? fc.uniqueArray(items, {
            ...constraints,
            selector: (v) => JSON.stringify(keys.map((k) => (v as Record<string, unknown>)[k])),
          })
        : fc.array(items, constraints);
    }
    case 'map':
      // Keys as Kubernetes takes label and annotation names (the API server checks them on each
      // child object, not on the Storefront): alphanumeric at both ends.
      return fc.dictionary(
        fc.stringMatching(/^[a-z]([a-z0-9-]{0,7}[a-z0-9])?$/),
        arbitraryOf(schema.values, `${path}[]`),
        {
          maxKeys: 3,
        },
      );
    case 'object': {
      const entries = Object.entries(schema.properties as Record<string, Property>).map(([key, prop]) => {
        const arb = arbitraryOf(prop.schema, `${path}.${key}`);
        return [key, prop.presence === 'required' ? arb : sometimes(arb)] as const;
      });
      return fc.record(Object.fromEntries(entries)).map(dropUndefined);
    }
  }
}

function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

export const storefrontName = fc
  .stringMatching(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { size: 'xsmall' })
  .filter((s) => s.length <= MAX_NAME_LENGTH);

/** Any document the schema's shapes allow; the cross-field rules may still reject it. */
export const shapedDoc = fc.record({ name: storefrontName, spec: arbitraryOf(specSchema, 'spec') }).map(
  ({ name, spec }) =>
    ({
      apiVersion: 'storefront.dev/v1alpha1',
      kind: 'Storefront',
      metadata: { name },
      spec,
    }) as Record<string, any>,
);

/** Documents the CLI's validation accepts (the cluster test checks the API server agrees). */
export const validDoc = shapedDoc.filter((d) => validateStorefront(d).length === 0);

// ---- invalid documents: one deliberate fault in a valid document, at a known field ----

interface Leaf {
  path: string[];
  schema: Schema;
}

/** Every field of the schema (objects included), with its path below spec. */
function fields(schema: Schema, path: string[] = []): Leaf[] {
  const out: Leaf[] = [{ path, schema }];
  if (schema.type === 'object')
    for (const [k, p] of Object.entries(schema.properties as Record<string, Property>))
      out.push(...fields(p.schema, [...path, k]));
  return out;
}

const allFields = fields(specSchema).filter((f) => f.path.length > 0);

/** Values that break a field's own schema, each a different kind of fault. */
function badValues(schema: Schema): unknown[] {
  switch (schema.type) {
    case 'string': {
      // A quantity may be a number (`cpu: 2`), as resource.Quantity is: 42 is no fault there.
      const bad: unknown[] = schema.quantity ? [true] : [42, true];
      if (schema.enum) bad.push('NotOneOfThem');
      if (schema.pattern) bad.push('Not A Valid Value!');
      if (schema.maxLength !== undefined && schema.maxLength < 600)
        bad.push('a'.repeat(schema.maxLength + 1));
      if (schema.quantity) bad.push('12 parsecs');
      return bad;
    }
    case 'integer': {
      const bad: unknown[] = ['seven', 1.5];
      if (schema.minimum !== undefined) bad.push(schema.minimum - 1);
      if (schema.maximum !== undefined) bad.push(schema.maximum + 1);
      return bad;
    }
    case 'boolean':
      return ['yes', 1];
    case 'array':
      return ['not-a-list', ...(schema.maxItems !== undefined ? [] : [])];
    case 'map':
      return [['not', 'a', 'map']];
    case 'object':
      return ['not-an-object', 7];
  }
}

export interface InvalidDoc {
  doc: Record<string, any>;
  /** The field the fault is in, as both validators name it. */
  path: string;
  fault: string;
}

function setAt(doc: Record<string, any>, path: string[], value: unknown): void {
  let cur: Record<string, any> = doc.spec;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(cur[key])) cur[key] = {};
    cur = cur[key];
  }
  cur[path[path.length - 1]!] = value;
}

/** A valid document with one field set to a value its schema refuses, or one unknown field. */
export const invalidDoc: fc.Arbitrary<InvalidDoc> = fc
  .tuple(validDoc, fc.constantFrom(...allFields), fc.nat(), fc.boolean())
  .map(([valid, field, pick, unknown]) => {
    const doc = structuredClone(valid);
    if (unknown && field.schema.type === 'object') {
      const parent = field.path;
      setAt(doc, [...parent, 'surpriseField'], 'x');
      return { doc, path: ['spec', ...parent, 'surpriseField'].join('.'), fault: 'unknown field' };
    }
    const values = badValues(field.schema);
    const value = values[pick % values.length];
    setAt(doc, field.path, value);
    return { doc, path: ['spec', ...field.path].join('.'), fault: JSON.stringify(value) };
  });
