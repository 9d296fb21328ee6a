import type { Property, Schema } from './schema.ts';

/** Kubernetes' own quantity pattern (k8s.io/apimachinery resource.Quantity). */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

type Json = Record<string, unknown>;

/** Emits the structural OpenAPI v3 schema the CRD carries, with CEL rules and defaults. */
export function toOpenApi(schema: Schema): Json {
  const out: Json = { description: schema.description };
  switch (schema.type) {
    case 'string':
      if (schema.quantity) {
        // As controller-gen writes resource.Quantity: `cpu: 2` is as valid as `cpu: "2"`.
        out.anyOf = [{ type: 'integer' }, { type: 'string' }];
        out['x-kubernetes-int-or-string'] = true;
      } else out.type = 'string';
      if (schema.enum) out.enum = [...schema.enum];
      if (schema.format) out.format = schema.format;
      if (schema.pattern) out.pattern = schema.pattern;
      if (schema.minLength !== undefined) out.minLength = schema.minLength;
      if (schema.maxLength !== undefined) out.maxLength = schema.maxLength;
      break;
    case 'integer':
      out.type = 'integer';
      if (schema.format) out.format = schema.format;
      if (schema.minimum !== undefined) out.minimum = schema.minimum;
      if (schema.maximum !== undefined) out.maximum = schema.maximum;
      break;
    case 'boolean':
      out.type = 'boolean';
      break;
    case 'array':
      out.type = 'array';
      out.items = toOpenApi(schema.items);
      if (schema.minItems !== undefined) out.minItems = schema.minItems;
      if (schema.maxItems !== undefined) out.maxItems = schema.maxItems;
      if (schema.listType) out['x-kubernetes-list-type'] = schema.listType;
      if (schema.listMapKeys) out['x-kubernetes-list-map-keys'] = schema.listMapKeys;
      break;
    case 'map':
      out.type = 'object';
      out.additionalProperties = toOpenApi(schema.values);
      if (schema.maxProperties !== undefined) out.maxProperties = schema.maxProperties;
      break;
    case 'object': {
      out.type = 'object';
      const props: Json = {};
      const required: string[] = [];
      for (const [key, prop] of Object.entries(schema.properties) as [string, Property][]) {
        const child = toOpenApi(prop.schema);
        if (prop.default !== undefined) child.default = prop.default;
        props[key] = child;
        if (prop.presence === 'required') required.push(key);
      }
      out.properties = props;
      if (required.length) out.required = required;
      break;
    }
  }
  if (schema.rules?.length) {
    out['x-kubernetes-validations'] = schema.rules.map((r) => {
      const rule: Json = { rule: r.cel, message: r.message };
      if (r.fieldPath) rule.fieldPath = r.fieldPath;
      if (r.optionalOldSelf) rule.optionalOldSelf = true;
      return rule;
    });
  }
  return out;
}
