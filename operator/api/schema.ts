// A tiny schema language: one definition gives the TypeScript type, the defaults, the CLI's
// validation and the CRD's structural OpenAPI v3 schema, so the four can never disagree.
//
// Cross-field rules carry both a CEL expression (for the API server) and a TypeScript predicate
// (for the CLI); `operator/api/testdata/invalid-specs.ts` is checked against both.

export type Presence = 'required' | 'defaulted' | 'optional';

/** A CEL rule as it appears in `x-kubernetes-validations`, plus its TypeScript twin. */
export interface Rule {
  /** CEL expression evaluated by the API server; `self` is the value this rule sits on. */
  cel: string;
  /** Human message; the API server prints it after the field path. */
  message: string;
  /** Relative path of the field the error names (e.g. `.secretName`); defaults to this value. */
  fieldPath?: string;
  /** Transition rules compare with the stored object (`oldSelf`); they only run on update. */
  transition?: boolean;
  /**
   * `optionalOldSelf: true`: the rule runs on create too, `oldSelf` being an optional (empty on
   * create; `oldSelf.hasValue()`, `oldSelf.value()`), so one rule can say "refused, unless the
   * stored object already held it". `old` is undefined on create.
   */
  optionalOldSelf?: boolean;
  /** The same rule in TypeScript. `old` is given for transition and optionalOldSelf rules only. */
  check: (self: any, old?: any) => boolean;
}

interface Common {
  description: string;
  rules?: Rule[];
}

export interface StringSchema<T extends string = string> extends Common {
  type: 'string';
  enum?: readonly T[];
  pattern?: string;
  patternDescription?: string;
  minLength?: number;
  maxLength?: number;
  format?: string;
  /**
   * Marks a Kubernetes resource quantity: a string, or a number (int-or-string in the CRD, as
   * resource.Quantity is); CEL rules use `quantity(string(self))`.
   */
  quantity?: boolean;
  __type?: T;
}
export interface IntegerSchema extends Common {
  type: 'integer';
  minimum?: number;
  maximum?: number;
  format?: 'int32' | 'int64';
  __type?: number;
}
export interface BooleanSchema extends Common {
  type: 'boolean';
  __type?: boolean;
}
export interface ArraySchema<I extends Schema = Schema> extends Common {
  type: 'array';
  items: I;
  maxItems?: number;
  minItems?: number;
  /** `x-kubernetes-list-type: map` with these keys; `set` for scalar sets. */
  listType?: 'atomic' | 'map' | 'set';
  listMapKeys?: string[];
}
export interface Property<S extends Schema = Schema, P extends Presence = Presence> {
  schema: S;
  presence: P;
  default?: unknown;
}
export interface ObjectSchema<Props extends Record<string, Property> = Record<string, Property>>
  extends Common {
  type: 'object';
  properties: Props;
}
export interface MapSchema<V extends Schema = Schema> extends Common {
  type: 'map';
  values: V;
  maxProperties?: number;
}

export type Schema =
  | StringSchema<any>
  | IntegerSchema
  | BooleanSchema
  | ArraySchema<any>
  | ObjectSchema<any>
  | MapSchema<any>;

// ---- type inference ---------------------------------------------------------------------------

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type KeysWhere<Props, P> = {
  [K in keyof Props]: Props[K] extends Property<any, infer Q> ? (Q extends P ? K : never) : never;
}[keyof Props];

/** The type of a value after defaulting (what render and status receive). */
export type Infer<S> =
  S extends StringSchema<infer T>
    ? T
    : S extends IntegerSchema
      ? number
      : S extends BooleanSchema
        ? boolean
        : S extends ArraySchema<infer I>
          ? Infer<I>[]
          : S extends MapSchema<infer V>
            ? Record<string, Infer<V>>
            : S extends ObjectSchema<infer Props>
              ? Simplify<
                  { [K in KeysWhere<Props, 'required' | 'defaulted'>]: Infer<Props[K]['schema']> } & {
                    [K in KeysWhere<Props, 'optional'>]?: Infer<Props[K]['schema']>;
                  }
                >
              : never;

/** The type a user writes (defaulted fields may be left out). */
export type InferInput<S> =
  S extends ArraySchema<infer I>
    ? InferInput<I>[]
    : S extends MapSchema<infer V>
      ? Record<string, InferInput<V>>
      : S extends ObjectSchema<infer Props>
        ? Simplify<
            { [K in KeysWhere<Props, 'required'>]: InferInput<Props[K]['schema']> } & {
              [K in KeysWhere<Props, 'optional' | 'defaulted'>]?: InferInput<Props[K]['schema']>;
            }
          >
        : Infer<S>;

// ---- builders ---------------------------------------------------------------------------------

export const str = <T extends string = string>(s: Omit<StringSchema<T>, 'type'>): StringSchema<T> => ({
  type: 'string',
  ...s,
});
export const oneOf = <const T extends string>(
  values: readonly T[],
  s: Omit<StringSchema<T>, 'type' | 'enum'>,
) => str<T>({ ...s, enum: values });
export const int = (s: Omit<IntegerSchema, 'type'>): IntegerSchema => ({
  type: 'integer',
  format: 'int32',
  ...s,
});
export const bool = (s: Omit<BooleanSchema, 'type'>): BooleanSchema => ({ type: 'boolean', ...s });
export const arr = <I extends Schema>(
  items: I,
  s: Omit<ArraySchema<I>, 'type' | 'items'>,
): ArraySchema<I> => ({
  type: 'array',
  items,
  ...s,
});
export const map = <V extends Schema>(values: V, s: Omit<MapSchema<V>, 'type' | 'values'>): MapSchema<V> => ({
  type: 'map',
  values,
  ...s,
});
export const obj = <Props extends Record<string, Property>>(
  properties: Props,
  s: Omit<ObjectSchema<Props>, 'type' | 'properties'>,
): ObjectSchema<Props> => ({ type: 'object', properties, ...s });

export const required = <S extends Schema>(schema: S): Property<S, 'required'> => ({
  schema,
  presence: 'required',
});
export const optional = <S extends Schema>(schema: S): Property<S, 'optional'> => ({
  schema,
  presence: 'optional',
});
/** Defaults are scalars; an object's default is its fields' defaults, spelled out. */
type ScalarDefault<S> =
  S extends ArraySchema<infer I>
    ? ScalarDefault<I>[]
    : S extends StringSchema<infer T>
      ? T
      : S extends IntegerSchema
        ? number
        : S extends BooleanSchema
          ? boolean
          : never;
/** A field with a default; an object gets the full default of its fields (what the API server fills in). */
export const defaulted = <S extends Schema>(
  schema: S,
  value?: ScalarDefault<S>,
): Property<S, 'defaulted'> => ({
  schema,
  presence: 'defaulted',
  // The API server checks CEL rules against defaults as written, so an object's default is
  // spelled out in full rather than `{}`.
  default: value === undefined && schema.type === 'object' ? applyDefaults(schema, {}) : value,
});

// ---- defaulting -------------------------------------------------------------------------------

/** Applies defaults the way the API server's structural defaulting does: recursively, objects first. */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (schema.type === 'object' && isPlainObject(value)) {
    const out: Record<string, unknown> = { ...value };
    for (const [key, prop] of Object.entries(schema.properties) as [string, Property][]) {
      if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default);
      if (out[key] !== undefined) out[key] = applyDefaults(prop.schema, out[key]);
    }
    return out;
  }
  if (schema.type === 'array' && Array.isArray(value))
    return value.map((v) => applyDefaults(schema.items, v));
  if (schema.type === 'map' && isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, applyDefaults(schema.values, v)]));
  }
  // A quantity written as a number (`cpu: 2`, `cpu: 0.5`) is the quantity of that number, as the
  // API server reads one: from here on every quantity is a string.
  if (schema.type === 'string' && schema.quantity && typeof value === 'number' && Number.isFinite(value))
    return String(value);
  return value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
