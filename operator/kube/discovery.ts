// Which resources the API server serves: the plural name and scope of a kind (to build request
// paths) and whether an optional API (cert-manager, Gateway API, CloudNativePG) is installed.
// Answers are cached; a miss is asked again after `missTtlMs` so a CRD installed later is seen.

import { type Clock, realClock } from '../core/clock.ts';
import { isNotFound } from './errors.ts';
import type { Transport } from './transport.ts';

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in paths (`deployments`). */
  plural: string;
  namespaced: boolean;
  verbs: string[];
  /** Subresources served for it (`status`, `scale`). */
  subresources: string[];
}

interface RawResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }>;
}

interface CacheEntry {
  fetchedAt: number;
  /** undefined: the group/version is not served at all. */
  byKind: Map<string, ApiResource> | undefined;
}

export function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

export class Discovery {
  private readonly transport: Transport;
  private readonly missTtlMs: number;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  private readonly clock: Clock;

  constructor(transport: Transport, missTtlMs = 30_000, clock: Clock = realClock) {
    this.transport = transport;
    this.missTtlMs = missTtlMs;
    this.clock = clock;
  }

  /** The resource serving `kind` in `apiVersion`, or undefined when the API server has none. */
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    const entry = this.cache.get(apiVersion);
    if (entry?.byKind?.has(kind)) return entry.byKind.get(kind);
    if (entry && this.clock.now() - entry.fetchedAt < this.missTtlMs) return undefined;
    const fresh = await this.fetch(apiVersion);
    return fresh.byKind?.get(kind);
  }

  /** Like resourceFor, but throws a message saying what is missing. */
  async require(apiVersion: string, kind: string): Promise<ApiResource> {
    const r = await this.resourceFor(apiVersion, kind);
    if (!r) {
      throw new Error(
        `the API server does not serve ${kind} in ${apiVersion}: install its CRD or check the apiVersion`,
      );
    }
    return r;
  }

  async hasApi(group: string, version: string, kind: string): Promise<boolean> {
    return (await this.resourceFor(group ? `${group}/${version}` : version, kind)) !== undefined;
  }

  /** Forget everything (e.g. after installing CRDs). */
  invalidate(): void {
    this.cache.clear();
  }

  private fetch(apiVersion: string): Promise<CacheEntry> {
    const running = this.inflight.get(apiVersion);
    if (running) return running;
    const p = this.load(apiVersion).finally(() => this.inflight.delete(apiVersion));
    this.inflight.set(apiVersion, p);
    return p;
  }

  private async load(apiVersion: string): Promise<CacheEntry> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const path = apiVersionPath(apiVersion);
    let list: RawResourceList | undefined;
    try {
      list = await this.transport.request<RawResourceList>({
        verb: 'discovery',
        method: 'GET',
        path,
        context: { verb: 'discovery', path },
      });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const entry: CacheEntry = { fetchedAt: this.clock.now(), byKind: undefined };
    if (list) {
      const byKind = new Map<string, ApiResource>();
      const subs = new Map<string, string[]>();
      for (const r of list.resources ?? []) {
        const slash = r.name.indexOf('/');
        if (slash >= 0) {
          const parent = r.name.slice(0, slash);
          subs.set(parent, [...(subs.get(parent) ?? []), r.name.slice(slash + 1)]);
        }
      }
      for (const r of list.resources ?? []) {
        if (r.name.includes('/')) continue;
        byKind.set(r.kind, {
          group: group ?? '',
          version: version ?? '',
          kind: r.kind,
          plural: r.name,
          namespaced: r.namespaced,
          verbs: r.verbs ?? [],
          subresources: subs.get(r.name) ?? [],
        });
      }
      entry.byKind = byKind;
    }
    this.cache.set(apiVersion, entry);
    return entry;
  }
}
