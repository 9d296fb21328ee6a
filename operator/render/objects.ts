// What one render builds: the objects in the order the components add them, each written as the
// API server and our YAML writer expect it — every map's keys sorted, null and undefined fields
// left out, empty metadata maps (labels: {}) dropped, apiVersion, kind and metadata first, the
// render's namespace on every object. This is how cdk8s synthesised them, so the output stayed
// byte for byte what it was when render went through cdk8s.
import type { KubeObject } from '../core/object.ts';
import type { Kind, ObjectMeta } from './k8s.ts';

export class Objects {
  readonly #items: KubeObject[] = [];

  readonly namespace: string;

  constructor(namespace: string) {
    this.namespace = namespace;
  }

  /** Adds an object of a Kubernetes API kind, typed by that kind's fields. */
  add<Props extends { readonly metadata?: ObjectMeta }>(kind: Kind<Props>, props: Props): void {
    this.#items.push(this.#written({ apiVersion: kind.apiVersion, kind: kind.kind, ...props }));
  }

  /** Adds an object of an API outside Kubernetes' own (cert-manager, Gateway API, CloudNativePG). */
  addCustom(obj: { apiVersion: string; kind: string; metadata: ObjectMeta; [field: string]: unknown }): void {
    this.#items.push(this.#written(obj));
  }

  list(): KubeObject[] {
    return [...this.#items];
  }

  #written(obj: { apiVersion: string; kind: string; metadata?: ObjectMeta }): KubeObject {
    const { apiVersion, kind, metadata, ...rest } = obj as Record<string, unknown> & typeof obj;
    if (!metadata?.name)
      throw new Error(`render: a ${kind} without metadata.name (a bug in operator/render/)`);
    const meta = clean(
      { ...metadata, namespace: metadata.namespace ?? this.namespace },
      true,
    ) as KubeObject['metadata'];
    return { apiVersion, kind, metadata: meta, ...(clean(rest, false) as Record<string, unknown>) };
  }
}

/** Keys sorted (by code unit), null/undefined fields left out; with dropEmpty, empty maps and lists too. */
function clean(value: unknown, dropEmpty: boolean): unknown {
  if (value === null || value === undefined || typeof value !== 'object') return value ?? undefined;
  if (Array.isArray(value)) {
    if (dropEmpty && value.length === 0) return undefined;
    return value.map((v) => clean(v, dropEmpty));
  }
  const out: Record<string, unknown> = {};
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const v = clean(record[key], dropEmpty);
    if (v !== undefined) out[key] = v;
  }
  if (dropEmpty && Object.keys(out).length === 0) return undefined;
  return out;
}
