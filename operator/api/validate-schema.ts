import { isPlainObject, type Property, type Rule, type Schema } from './schema.ts';

/** One problem with one field, worded as the API server words it so CLI and cluster agree. */
export interface FieldError {
  /** Dotted path with list indexes, e.g. `spec.app.env[2].name`. */
  path: string;
  /** The whole line: `<path>: <what is wrong>`. */
  message: string;
}

/** Longest part of a bad value an error echoes: a 50 MB field must not become a 50 MB message. */
export const ECHO_LIMIT = 64;

/** A value as an error shows it: at most ECHO_LIMIT characters, marked when cut. */
export function preview(s: string): string {
  return s.length <= ECHO_LIMIT
    ? JSON.stringify(s)
    : `${JSON.stringify(s.slice(0, ECHO_LIMIT))}... (${s.length} characters)`;
}

const fmt = (v: unknown) =>
  typeof v === 'string'
    ? preview(v)
    : isPlainObject(v)
      ? '"object"'
      : Array.isArray(v)
        ? '"array"'
        : String(v);

/**
 * Validates `value` against `schema` (structure first, then the rules of every subtree that is
 * structurally valid). `old` enables transition rules, as on an update.
 */
export function validateSchema(schema: Schema, value: unknown, path: string, old?: unknown): FieldError[] {
  const errors: FieldError[] = [];
  walk(schema, value, path, old, errors);
  return errors;
}

/**
 * Errors that do not stop the rules above them, as on the API server: a broken rule below, and an
 * integer outside its bounds (still a typed value CEL can read: `maxReplicas: 0` also fails the
 * `minReplicas <= maxReplicas` rule there — found by test/cluster/generated-validation.test.ts).
 */
const nonGating = new WeakSet<FieldError>();
const structural = (errors: FieldError[], from: number) =>
  errors.slice(from).filter((e) => !nonGating.has(e)).length;

function walk(schema: Schema, value: unknown, path: string, old: unknown, errors: FieldError[]): void {
  const before = errors.length;
  const err = (p: string, detail: string) => errors.push({ path: p, message: `${p}: ${detail}` });
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') {
        err(path, `Invalid value: ${fmt(value)}: ${path} in body must be of type string: ${typeName(value)}`);
        return;
      }
      // Length first: a pattern run over megabytes costs time and stack, and says nothing new.
      if (schema.maxLength !== undefined && value.length > schema.maxLength) {
        err(path, `Too long: may not be more than ${schema.maxLength} bytes`);
        return;
      }
      if (schema.enum && !schema.enum.includes(value)) {
        err(
          path,
          `Unsupported value: ${fmt(value)}: supported values: ${schema.enum.map((e) => `"${e}"`).join(', ')}`,
        );
      }
      if (schema.minLength !== undefined && value.length < schema.minLength) {
        err(
          path,
          `Invalid value: ${fmt(value)}: ${path} in body should be at least ${schema.minLength} chars long`,
        );
      }
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) {
        err(path, `Invalid value: ${fmt(value)}: ${path} in body should match '${schema.pattern}'`);
      }
      break;
    }
    case 'integer': {
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        err(
          path,
          `Invalid value: ${fmt(value)}: ${path} in body must be of type integer: ${typeName(value)}`,
        );
        return;
      }
      const bound = (detail: string) => {
        const error = { path, message: `${path}: Invalid value: ${value}: ${path} in body ${detail}` };
        nonGating.add(error);
        errors.push(error);
      };
      if (schema.minimum !== undefined && value < schema.minimum)
        bound(`should be greater than or equal to ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum)
        bound(`should be less than or equal to ${schema.maximum}`);
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') {
        err(
          path,
          `Invalid value: ${fmt(value)}: ${path} in body must be of type boolean: ${typeName(value)}`,
        );
        return;
      }
      break;
    case 'array': {
      if (!Array.isArray(value)) {
        err(path, `Invalid value: ${fmt(value)}: ${path} in body must be of type array: ${typeName(value)}`);
        return;
      }
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        err(path, `Too many: ${value.length}: must have at most ${schema.maxItems} items`);
        return;
      }
      if (schema.minItems !== undefined && value.length < schema.minItems) {
        err(
          path,
          `Invalid value: ${value.length}: ${path} in body should have at least ${schema.minItems} items`,
        );
      }
      const seen = new Map<string, number>();
      value.forEach((item, i) => {
        walk(schema.items, item, `${path}[${i}]`, undefined, errors);
        if (schema.listType === 'map' && schema.listMapKeys && isPlainObject(item)) {
          const key = JSON.stringify(schema.listMapKeys.map((k) => item[k]));
          if (seen.has(key)) err(`${path}[${i}]`, `Duplicate value: ${key}`);
          seen.set(key, i);
        }
        // x-kubernetes-list-type: set — the API server refuses a repeated element (found by the
        // generated specs of test/cluster/generated-validation.test.ts).
        if (schema.listType === 'set' && !isPlainObject(item) && !Array.isArray(item)) {
          const key = JSON.stringify(item);
          if (seen.has(key)) err(`${path}[${i}]`, `Duplicate value: ${key}`);
          seen.set(key, i);
        }
      });
      break;
    }
    case 'map': {
      if (!isPlainObject(value)) {
        err(path, `Invalid value: ${fmt(value)}: ${path} in body must be of type object: ${typeName(value)}`);
        return;
      }
      const entries = Object.entries(value);
      if (schema.maxProperties !== undefined && entries.length > schema.maxProperties) {
        err(path, `Too many: ${entries.length}: must have at most ${schema.maxProperties} items`);
      }
      // The API server names a map entry `path.key`.
      for (const [k, v] of entries) walk(schema.values, v, `${path}.${k}`, undefined, errors);
      break;
    }
    case 'object': {
      if (!isPlainObject(value)) {
        err(path, `Invalid value: ${fmt(value)}: ${path} in body must be of type object: ${typeName(value)}`);
        return;
      }
      const props = schema.properties as Record<string, Property>;
      for (const key of Object.keys(value)) {
        // Own fields only: `constructor`, `toString` and `__proto__` are not fields of ours.
        if (!Object.hasOwn(props, key)) {
          const shown = key.length > ECHO_LIMIT ? `${key.slice(0, ECHO_LIMIT)}...` : key;
          err(`${path}.${shown}`, `unknown field "${path}.${shown}"`);
        }
      }
      for (const [key, prop] of Object.entries(props)) {
        const child = Object.hasOwn(value, key) ? value[key] : undefined;
        const childOld = isPlainObject(old) && Object.hasOwn(old, key) ? old[key] : undefined;
        if (child === undefined) {
          if (prop.presence === 'required') err(`${path}.${key}`, 'Required value');
          continue;
        }
        if (child === null) {
          // The API server prunes such a null and defaults the field; the CLI says so instead of
          // guessing, because `app: null` or `minReplicas: null` is rarely what was meant.
          const want =
            prop.schema.type === 'object' || prop.schema.type === 'map'
              ? 'an object'
              : `a ${prop.schema.type}`;
          const hint = prop.presence === 'defaulted' ? ' (leave the field out to take its default)' : '';
          err(`${path}.${key}`, `Invalid value: null: ${path}.${key} must be ${want}${hint}`);
          continue;
        }
        walk(prop.schema, child, `${path}.${key}`, childOld, errors);
      }
      break;
    }
  }
  // Rules run only on values that are structurally valid, as CEL needs typed input; like the API
  // server, every rule runs even when another rule failed.
  if (structural(errors, before) === 0 && schema.rules) runRules(schema.rules, value, old, path, errors);
}

function runRules(rules: Rule[], value: unknown, old: unknown, path: string, errors: FieldError[]): void {
  for (const rule of rules) {
    if (rule.transition && old === undefined) continue;
    let ok: boolean;
    try {
      ok = rule.check(value, old);
    } catch {
      ok = false;
    }
    if (ok) continue;
    const p = rule.fieldPath ? path + rule.fieldPath : path;
    const error = { path: p, message: `${p}: Invalid value: ${fmt(value)}: ${rule.message}` };
    nonGating.add(error);
    errors.push(error);
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
