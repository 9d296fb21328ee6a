// The spec reference in the README, generated from the API definition (`npm run docs`).
import type { Property, Schema } from './schema.ts';
import { specSchema } from './storefront-schema.ts';

const typeOf = (s: Schema): string => {
  switch (s.type) {
    case 'string':
      if (s.enum) return s.enum.map((e: string) => `\`${e}\``).join(' \\| ');
      return s.quantity ? 'quantity' : 'string';
    case 'array':
      return `[]${typeOf(s.items)}`;
    case 'map':
      return `map[string]${typeOf(s.values)}`;
    default:
      return s.type;
  }
};

const esc = (s: string) => s.replace(/\|/g, '\\|');

export function specReference(): string {
  const rows: string[] = ['| Field | Type | Default | Description |', '|---|---|---|---|'];
  const rules: string[] = [];
  const walk = (schema: Schema, path: string) => {
    for (const r of schema.rules ?? [])
      rules.push(
        `- \`${path || 'spec'}${r.fieldPath ?? ''}\`: ${r.message}${r.transition ? ' (on update)' : ''}${r.optionalOldSelf ? ' (an update that keeps the value the stored object already held at its former default is accepted)' : ''}`,
      );
    if (schema.type === 'array') walk(schema.items, `${path}[]`);
    if (schema.type !== 'object') return;
    for (const [key, prop] of Object.entries(schema.properties) as [string, Property][]) {
      const p = `${path}${path ? '.' : ''}${key}`;
      const def =
        prop.presence === 'required'
          ? '**required**'
          : prop.default === undefined || (typeof prop.default === 'object' && prop.schema.type === 'object')
            ? ''
            : `\`${JSON.stringify(prop.default)}\``;
      rows.push(`| \`${p}\` | ${typeOf(prop.schema)} | ${def} | ${esc(prop.schema.description)} |`);
      walk(prop.schema, p);
    }
  };
  walk(specSchema, '');
  return `${rows.join('\n')}\n\nRules checked by the API server (CEL) and by the CLI:\n\n${rules.join('\n')}\n`;
}
