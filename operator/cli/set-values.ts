// Layering Storefront documents as helm layers values: several `-f` files merged in order (later
// wins; objects merge key by key, lists and scalars are replaced, null removes a key), then
// `--set path=value` assignments. Pure; the validation that follows names any bad field.

export type Path = (string | number)[];

export interface Assignment {
  path: Path;
  value: unknown;
  /** The text the user wrote, for errors. */
  source: string;
}

export class SetValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetValueError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of `overlay` onto `base` (neither is modified). */
export function mergeLayer(base: unknown, overlay: unknown): unknown {
  if (!isObject(base) || !isObject(overlay)) return overlay === undefined ? base : structuredClone(overlay);
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    if (v === null) delete out[k];
    else out[k] = mergeLayer(base[k], v);
  }
  return out;
}

/** Splits on commas outside `{…}` lists, keeping `\,` as a literal comma. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') depth = Math.max(0, depth - 1);
    if (c === sep && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

const unescaped = (s: string) => s.replace(/\\(.)/g, '$1');

/** helm's typing of --set values: true/false, null, integers without leading zeros; else a string. */
function typed(raw: string, asString: boolean): unknown {
  const text = unescaped(raw);
  if (asString) return text;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  if (/^-?(0|[1-9]\d{0,15})$/.test(text)) return Number(text);
  return text;
}

function parsePath(key: string, source: string): Path {
  const path: Path = [];
  for (const segment of splitTop(key, '.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!m || (!m[1] && !m[2]) || (!m[1] && path.length === 0)) {
      throw new SetValueError(
        `--set ${source}: "${key}" is not a path like spec.app.replicas or spec.app.env[0].name`,
      );
    }
    if (m[1]) path.push(unescaped(m[1]));
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) path.push(Number(idx[1]));
  }
  return path;
}

/** Parses one `--set` (or `--set-string`) argument: `a.b=1,c[0].d=x,e={x,y}`. */
export function parseSet(text: string, asString = false): Assignment[] {
  return splitTop(text, ',').map((part) => {
    const eq = part.search(/(?<!\\)=/);
    if (eq <= 0) throw new SetValueError(`--set ${part}: expected path=value (e.g. spec.app.replicas=3)`);
    const key = part.slice(0, eq);
    const raw = part.slice(eq + 1);
    const path = parsePath(key, part);
    const list = /^\{(.*)\}$/s.exec(raw);
    const value = list
      ? list[1] === ''
        ? []
        : splitTop(list[1]!, ',').map((v) => typed(v, asString))
      : typed(raw, asString);
    return { path, value, source: part };
  });
}

/** Applies assignments to a copy of `doc`; a null value removes the key. */
export function applySets(doc: unknown, assignments: Assignment[]): unknown {
  const root = structuredClone(doc) as Record<string, unknown>;
  for (const { path, value, source } of assignments) {
    let node: Record<string | number, unknown> = root;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const next = path[i + 1]!;
      let child = node[key];
      if (child === undefined || child === null) {
        child = typeof next === 'number' ? [] : {};
        node[key] = child;
      }
      if (typeof child !== 'object') {
        throw new SetValueError(
          `--set ${source}: ${path.slice(0, i + 1).join('.')} is ${JSON.stringify(child)}, not an object or list`,
        );
      }
      if (typeof next === 'number' && !Array.isArray(child)) {
        throw new SetValueError(`--set ${source}: ${path.slice(0, i + 1).join('.')} is not a list`);
      }
      node = child as Record<string | number, unknown>;
    }
    const last = path.at(-1)!;
    if (value === null) {
      if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
      else delete node[last];
    } else node[last] = value;
  }
  return root;
}
