// A watch-backed cache of one kind. Written over KubeClient.list/watch rather than client-node's
// ListWatch because that one stops for good after any watch or list error other than 410 (it
// only calls error handlers), never asks for bookmarks, and rides a watch with a fixed 30 s
// inactivity abort. This one never gives up: list, watch from the list's resourceVersion with
// bookmarks, relist on 410 Gone and on a resourceVersion the server does not have yet, rewatch
// with capped exponential backoff on errors, and relist when a watch has been silent past the
// server's own deadline for it, which catches half-open connections that would otherwise stall
// it for good. Silence alone is normal: the API server sends bookmarks only when the kind's
// resourceVersion moved, so a kind nobody changes is quiet until the server closes the watch.

import { type Clock, realClock } from '../core/clock.ts';
import { type KubeObject, keyOf } from '../core/object.ts';
import type { KubeClient, WatchEvent } from './client.ts';
import { isGone, isTooLargeResourceVersion, KubeApiError } from './errors.ts';
import type { LabelSelector } from './label-selector.ts';
import type { ListGate } from './list-gate.ts';
import { StringPool } from './string-pool.ts';

export interface InformerLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface InformerOptions<T extends KubeObject> {
  apiVersion: string;
  kind: string;
  /** Watch one namespace; omit for all namespaces (or a cluster-scoped kind). */
  namespace?: string;
  /** Keep only matching objects in memory (a busy cluster has many we do not care about). */
  labelSelector?: LabelSelector;
  fieldSelector?: string;
  /** List and watch metadata only (PartialObjectMetadata): enough to know what exists by name. */
  metadataOnly?: boolean;
  /**
   * A watch with no event and no bookmark for this long is taken as dead and restarted with a
   * relist. @default the watch's server-side timeout plus 30 s: a live connection is closed by
   * the server by then, so only a dead one reaches it, and an idle kind is never relisted.
   */
  quietTimeoutMs?: number;
  /** Server-side watch length is drawn in [min, 2*min) like client-go. @default 300 */
  watchTimeoutSeconds?: number;
  /** First retry delay after a failed list or watch. @default 500 */
  minBackoffMs?: number;
  /** @default 30_000 */
  maxBackoffMs?: number;
  /** Where activity times come from. @default realClock */
  clock?: Clock;
  /**
   * Shapes each object before it is cached. Objects arrive without metadata.managedFields (cut
   * from the text, managed-fields.ts). @default shares repeated strings (string-pool.ts) and drops
   * managedFields should a cut have been refused
   */
  transform?: (obj: KubeObject) => T;
  /**
   * The kind's API server bumps metadata.generation on every change to spec (Deployment,
   * StatefulSet, Job, CronJob, PodDisruptionBudget, Ingress; not Service, HPA or the kinds
   * without a spec). An update of the same generation (a status write: most events while a fleet
   * converges) then keeps the cached spec object instead of shaping the new, equal one: less work
   * per event, and the new copy dies young instead of being promoted. Only with the default
   * transform. @default false
   */
  specFollowsGeneration?: boolean;
  /**
   * Objects to hold; the rest is dropped as it arrives (and an object that stops matching leaves
   * the cache as if deleted). Label selectors match what anyone may set; this may look further.
   */
  keep?: (obj: KubeObject) => boolean;
  logger?: InformerLogger;
  /** Shared by informers that should not list all at once (list-gate.ts). @default no limit */
  listGate?: ListGate;
  /** Objects per list page. @default 500 */
  pageSize?: number;
}

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerHealth {
  kind: string;
  synced: boolean;
  /** A watch connection is open now. */
  watching: boolean;
  /** Last time anything arrived from the API server (list, event, bookmark). */
  lastEventAt: number | undefined;
  /** Last time the supervising loop did anything (attempt, event, retry). */
  lastActivityAt: number;
  /** Watch events received (added, modified, deleted; not bookmarks), held or not. */
  events: number;
  /** Watches started again after an error, a server close or silence. */
  watchRestarts: number;
  /** Of those, restarts because nothing at all arrived for the quiet window (connection presumed dead). */
  quietTimeouts: number;
  /**
   * Watches the API server refused because of their resourceVersion (410 Gone: too old; or not
   * reached yet), each followed by a relist.
   */
  resourceVersionResets: number;
  /** Lists, the first one included. */
  relists: number;
  consecutiveFailures: number;
  lastError: string | undefined;
}

type EventName = keyof InformerHandlers<unknown>;

/**
 * How a watch connection ended without an error:
 * - `closedAfterEvents`: the server closed it (its timeout) after delivering something;
 * - `closedWithoutEvents`: it ran its whole length and not one event or bookmark came;
 * - `closedAtOnce`: the server closed it within a second, empty (treated as a failure: back off);
 * - `quietTimeout`: our quiet timer fired first: nothing at all for a whole window.
 */
type WatchEnd = 'closedAfterEvents' | 'closedWithoutEvents' | 'closedAtOnce' | 'quietTimeout';

/** Consecutive full-length watches without a single event after which the informer relists. */
const SILENT_WATCHES_BEFORE_RELIST = 3;

// A new metadata object rather than `delete`: deleting a property turns a V8 object into a hash
// table ("dictionary mode"), ~600 bytes more per cached object (heap snapshot of the operator at 100
// Storefronts: 2,600 such metadata dictionaries, 1.6 MiB) and slower to read.
const stripManagedFields = (obj: KubeObject): KubeObject => {
  if (!obj.metadata?.managedFields) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  obj.metadata = metadata;
  return obj;
};

/** Shared by every informer of the process: the same strings recur across kinds. */
const cachedStrings = new StringPool();

/**
 * The default transform: no managedFields, repeated strings held once (string-pool.ts). `shaped`
 * is a part of the object that is shaped already (a cached spec kept by specFollowsGeneration).
 */
const compact = (obj: KubeObject, shaped?: object): KubeObject =>
  cachedStrings.internAll(stripManagedFields(obj), shaped);

/** The cached spec when `obj` is a newer write of the same spec generation of `cached`. */
function sameGenerationSpec(cached: KubeObject | undefined, obj: KubeObject): object | undefined {
  const spec = (cached as { spec?: unknown } | undefined)?.spec;
  if (!cached || spec === null || typeof spec !== 'object') return undefined;
  const generation = obj.metadata?.generation;
  if (generation === undefined || generation !== cached.metadata.generation) return undefined;
  if (!obj.metadata.uid || obj.metadata.uid !== cached.metadata.uid) return undefined;
  return spec;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly kind: string;
  /** Resolves once the first list is in the cache. */
  readonly synced: Promise<void>;

  private readonly client: KubeClient;
  private readonly options: InformerOptions<T>;
  private readonly quietTimeoutMs: number | undefined;
  private readonly watchTimeoutSeconds: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly transform: (obj: KubeObject) => T;
  private readonly clock: Clock;
  private readonly store = new Map<string, T>();
  /** Keys of objects the list or watch delivered and `keep` refused: known to exist, not held. */
  private passed = new Set<string>();
  /** Secondary indexes, like client-go's Indexers: index name -> value -> store keys. */
  private readonly indexers = new Map<string, (obj: T) => string | undefined>();
  private readonly indices = new Map<string, Map<string, Set<string>>>();
  private readonly handlers: { [K in EventName]: Array<NonNullable<InformerHandlers<T>[K]>> } = {
    add: [],
    update: [],
    delete: [],
  };
  private resolveSynced!: () => void;
  private resourceVersion = '';
  private running = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private watchAbort: AbortController | undefined;
  private wake: (() => void) | undefined;
  private state: InformerHealth;

  constructor(client: KubeClient, options: InformerOptions<T>) {
    this.client = client;
    this.options = options;
    this.kind = options.kind;
    this.quietTimeoutMs = options.quietTimeoutMs;
    this.watchTimeoutSeconds = options.watchTimeoutSeconds ?? 300;
    this.minBackoffMs = options.minBackoffMs ?? 500;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.clock = options.clock ?? realClock;
    this.transform = options.transform ?? (compact as (obj: KubeObject) => T);
    this.synced = new Promise((resolve) => {
      this.resolveSynced = resolve;
    });
    this.state = {
      kind: options.kind,
      synced: false,
      watching: false,
      lastEventAt: undefined,
      lastActivityAt: this.clock.now(),
      events: 0,
      watchRestarts: 0,
      quietTimeouts: 0,
      resourceVersionResets: 0,
      relists: 0,
      consecutiveFailures: 0,
      lastError: undefined,
    };
  }

  /** Registers handlers; returns a function that removes them. */
  on(handlers: InformerHandlers<T>): () => void {
    for (const name of ['add', 'update', 'delete'] as const) {
      const h = handlers[name];
      if (h) (this.handlers[name] as unknown[]).push(h);
    }
    return () => {
      for (const name of ['add', 'update', 'delete'] as const) {
        const h = handlers[name];
        if (h) this.handlers[name] = (this.handlers[name] as unknown[]).filter((x) => x !== h) as never;
      }
    };
  }

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watchAbort?.abort(new Error('informer stopped'));
    this.wake?.();
    await this.loop;
  }

  hasSynced(): boolean {
    return this.state.synced;
  }

  /** The cached object (namespace '' or undefined for cluster-scoped kinds). */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace ? `${namespace}/${name}` : name);
  }

  /**
   * Whether an object the list or watch delivered was refused by `keep`: it exists (as of the
   * last event), but the cache holds only its key.
   */
  passedOver(namespace: string | undefined, name: string): boolean {
    return this.passed.has(namespace ? `${namespace}/${name}` : name);
  }

  /** Cached objects, optionally of one namespace. */
  list(namespace?: string): T[] {
    const all = [...this.store.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  /**
   * Adds an index so lookups by `value` cost the size of the answer, not of the cache (a prune of
   * one Storefront's children in a namespace holding thousands). Objects mapping to undefined are
   * left out of it.
   */
  addIndex(name: string, indexValue: (obj: T) => string | undefined): void {
    this.indexers.set(name, indexValue);
    this.indices.set(name, new Map());
    for (const [key, obj] of this.store) this.indexAdd(name, key, obj);
  }

  /** Cached objects whose index `name` maps to `value`. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`${this.kind} informer has no index "${name}"`);
    return [...(index.get(value) ?? [])].map((k) => this.store.get(k)!);
  }

  private indexAdd(name: string, key: string, obj: T): void {
    const value = this.indexers.get(name)!(obj);
    if (value === undefined) return;
    const index = this.indices.get(name)!;
    const keys = index.get(value) ?? new Set<string>();
    index.set(value, keys);
    keys.add(key);
  }

  private indexRemove(name: string, key: string, obj: T): void {
    const value = this.indexers.get(name)!(obj);
    if (value === undefined) return;
    const index = this.indices.get(name)!;
    const keys = index.get(value);
    keys?.delete(key);
    if (keys?.size === 0) index.delete(value);
  }

  private storeSet(key: string, obj: T): void {
    const old = this.store.get(key);
    for (const name of this.indexers.keys()) {
      if (old) this.indexRemove(name, key, old);
      this.indexAdd(name, key, obj);
    }
    this.store.set(key, obj);
  }

  private storeDelete(key: string): void {
    const old = this.store.get(key);
    if (old) for (const name of this.indexers.keys()) this.indexRemove(name, key, old);
    this.store.delete(key);
  }

  size(): number {
    return this.store.size;
  }

  health(): InformerHealth {
    return { ...this.state };
  }

  /**
   * True when the supervising loop has done nothing for `staleAfterMs`: the silent stall this
   * class exists to prevent. Feed it to /healthz.
   */
  isStalled(
    now = this.clock.now(),
    staleAfterMs = this.quietWindowMs(2 * this.watchTimeoutSeconds) + this.maxBackoffMs + 60_000,
  ): boolean {
    return this.running && !this.stopped && now - this.state.lastActivityAt > staleAfterMs;
  }

  /**
   * Drops the current watch connection as a network failure would; the informer must resume on
   * its own. With `resumeFrom`, it resumes from that resourceVersion (an ancient one forces the
   * 410 Gone → relist path). For tests and for operators poking a stuck process.
   */
  forceCloseWatch(resumeFrom?: string): void {
    if (resumeFrom !== undefined) this.resourceVersion = resumeFrom;
    this.watchAbort?.abort(new Error('watch closed by forceCloseWatch'));
  }

  /** How long a watch that asked the server for `timeoutSeconds` may stay silent while alive. */
  private quietWindowMs(timeoutSeconds: number): number {
    return this.quietTimeoutMs ?? timeoutSeconds * 1000 + 30_000;
  }

  private touch(): void {
    this.state.lastActivityAt = this.clock.now();
  }

  private async run(): Promise<void> {
    let needList = true;
    let silentInARow = 0;
    while (!this.stopped) {
      this.touch();
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        const outcome = await this.watchOnce();
        if (this.stopped) break;
        this.state.watchRestarts++;
        silentInARow = outcome === 'closedWithoutEvents' ? silentInARow + 1 : 0;
        if (silentInARow >= SILENT_WATCHES_BEFORE_RELIST) {
          // Whole watches with not one event: a kind nobody changes, or a resourceVersion the
          // server has not reached (etcd restored from a backup), where a watch waits silently
          // for good. A relist settles the second and costs little for the first at this pace.
          silentInARow = 0;
          needList = true;
        }
        if (outcome === 'quietTimeout') {
          // Nothing at all came for a whole window: the connection may have been dead, or the
          // server may be waiting for a resourceVersion it will not reach soon (an etcd restored
          // from backup). Rewatching from the same version could hang again; a relist cannot.
          this.state.quietTimeouts++;
          needList = true;
        }
        // A server that closes watches at once must not make us spin.
        if (outcome === 'closedAtOnce') await this.sleep(this.backoff(++this.state.consecutiveFailures));
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err) || isTooLargeResourceVersion(err)) {
          this.options.logger?.debug(
            { kind: this.kind, resourceVersion: this.resourceVersion },
            isGone(err)
              ? 'resourceVersion expired; relisting'
              : 'resourceVersion not reached by the server; relisting',
          );
          this.state.resourceVersionResets++;
          needList = true;
          this.state.watchRestarts++;
          continue;
        }
        const failures = ++this.state.consecutiveFailures;
        this.state.lastError = err instanceof Error ? err.message : String(err);
        const delay = this.backoff(failures);
        this.options.logger?.warn(
          { kind: this.kind, err: this.state.lastError, retryInMs: delay, failures },
          'informer list/watch failed; retrying',
        );
        if (!needList) this.state.watchRestarts++;
        await this.sleep(delay);
      }
    }
    this.state.watching = false;
  }

  private backoff(failures: number): number {
    const exp = Math.min(this.minBackoffMs * 2 ** Math.max(0, failures - 1), this.maxBackoffMs);
    // Jitter so a fleet of informers does not hammer a recovering API server in step.
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async relist(): Promise<void> {
    const listOptions: Parameters<KubeClient['list']>[0] = {
      apiVersion: this.options.apiVersion,
      kind: this.kind,
    };
    if (this.options.namespace) listOptions.namespace = this.options.namespace;
    if (this.options.labelSelector) listOptions.labelSelector = this.options.labelSelector;
    if (this.options.fieldSelector) listOptions.fieldSelector = this.options.fieldSelector;
    if (this.options.metadataOnly) listOptions.metadataOnly = true;
    // No informer keeps managedFields: cut from the text before it is parsed (managed-fields.ts).
    listOptions.withoutManagedFields = true;
    // Shaped page by page as the list arrives: a relist of thousands of objects never holds them
    // all raw (with managedFields) at once.
    const fresh = new Map<string, T>();
    const passed = new Set<string>();
    listOptions.each = (item) => {
      if (this.keeps(item)) fresh.set(keyOf(item), this.transform(item));
      else passed.add(keyOf(item));
    };
    if (this.options.pageSize) listOptions.pageSize = this.options.pageSize;
    const list = () => this.client.list(listOptions);
    const { resourceVersion } = await (this.options.listGate ? this.options.listGate.run(list) : list());
    this.state.relists++;
    this.state.lastEventAt = this.clock.now();
    this.passed = passed;
    const previous = new Map(this.store);
    this.store.clear();
    for (const index of this.indices.values()) index.clear();
    for (const [key, obj] of fresh) this.storeSet(key, obj);
    for (const [key, obj] of fresh) {
      const old = previous.get(key);
      if (!old) this.emit('add', obj);
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.emit('update', old, obj);
    }
    for (const [key, old] of previous) if (!fresh.has(key)) this.emit('delete', old);
    this.resourceVersion = resourceVersion;
    this.state.consecutiveFailures = 0;
    this.state.lastError = undefined;
    if (!this.state.synced) {
      this.state.synced = true;
      this.resolveSynced();
    }
  }

  /** One watch connection. Resolves how it ended; throws on errors (410 included). */
  private async watchOnce(): Promise<WatchEnd> {
    if (this.stopped) return 'closedAfterEvents';
    const abort = new AbortController();
    this.watchAbort = abort;
    let quiet = false;
    let events = 0;
    let quietTimer: NodeJS.Timeout | undefined;
    const timeoutSeconds = Math.floor(this.watchTimeoutSeconds * (1 + Math.random()));
    const quietMs = this.quietWindowMs(timeoutSeconds);
    const armQuietTimer = () => {
      // Re-armed on every event: refresh() moves the deadline without a new timer each time.
      if (quietTimer) {
        quietTimer.refresh();
        return;
      }
      quietTimer = setTimeout(() => {
        quiet = true;
        this.options.logger?.warn(
          { kind: this.kind, quietMs },
          'watch silent past its server-side deadline (connection presumed dead); relisting',
        );
        abort.abort(new Error('watch went quiet'));
      }, quietMs);
    };
    const opts: Parameters<KubeClient['watch']>[0] = {
      apiVersion: this.options.apiVersion,
      kind: this.kind,
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: true,
      timeoutSeconds,
      signal: abort.signal,
    };
    if (this.options.namespace) opts.namespace = this.options.namespace;
    if (this.options.labelSelector) opts.labelSelector = this.options.labelSelector;
    if (this.options.fieldSelector) opts.fieldSelector = this.options.fieldSelector;
    if (this.options.metadataOnly) opts.metadataOnly = true;
    opts.withoutManagedFields = true;
    let failure: unknown;
    const openedAt = this.clock.now();
    armQuietTimer();
    this.state.watching = true;
    try {
      await this.client.watch(opts, (event) => {
        if (failure) return;
        armQuietTimer();
        this.touch();
        this.state.lastEventAt = this.clock.now();
        events++;
        try {
          this.handle(event);
        } catch (err) {
          // A 410 or error event ends this watch; stop reading and let the loop decide.
          failure = err;
          abort.abort(err);
        }
      });
    } finally {
      this.state.watching = false;
      if (quietTimer) clearTimeout(quietTimer);
      if (this.watchAbort === abort) this.watchAbort = undefined;
    }
    if (failure) throw failure;
    if (quiet) return 'quietTimeout';
    if (events === 0 && !abort.signal.aborted && this.clock.now() - openedAt < 1000) return 'closedAtOnce';
    this.state.consecutiveFailures = 0;
    return events === 0 && !abort.signal.aborted ? 'closedWithoutEvents' : 'closedAfterEvents';
  }

  private handle(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object as { code?: number; reason?: string; message?: string };
      throw new KubeApiError({ verb: 'watch', kind: this.kind }, status.code ?? 500, status);
    }
    const obj = event.object as KubeObject;
    const rv = obj.metadata?.resourceVersion;
    if (event.type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    this.state.events++;
    if (!this.keeps(obj)) {
      // No longer (or never) one to hold: gone from the cache's point of view; only its key is kept.
      const key = keyOf(obj);
      if (event.type === 'DELETED') this.passed.delete(key);
      else this.passed.add(key);
      const old = this.store.get(key);
      if (old) {
        this.storeDelete(key);
        this.emit('delete', old);
      }
      if (rv) this.resourceVersion = rv;
      return;
    }
    const cachedSpec =
      this.options.specFollowsGeneration && !this.options.transform && event.type === 'MODIFIED'
        ? sameGenerationSpec(this.store.get(keyOf(obj)), obj)
        : undefined;
    if (cachedSpec) (obj as { spec?: unknown }).spec = cachedSpec;
    const item = cachedSpec ? (compact(obj, cachedSpec) as T) : this.transform(obj);
    const key = keyOf(item);
    const old = this.store.get(key);
    this.passed.delete(key);
    if (event.type === 'DELETED') {
      this.storeDelete(key);
      this.emit('delete', item);
    } else {
      this.storeSet(key, item);
      if (old) this.emit('update', old, item);
      else this.emit('add', item);
    }
    if (rv) this.resourceVersion = rv;
  }

  private keeps(obj: KubeObject): boolean {
    return this.options.keep ? this.options.keep(obj) : true;
  }

  private emit(name: 'add' | 'delete', obj: T): void;
  private emit(name: 'update', oldObj: T, newObj: T): void;
  private emit(name: EventName, a: T, b?: T): void {
    for (const h of this.handlers[name]) {
      try {
        if (name === 'update') (h as (o: T, n: T) => void)(a, b as T);
        else (h as (o: T) => void)(a);
      } catch (err) {
        this.options.logger?.warn(
          { kind: this.kind, event: name, err: err instanceof Error ? err.message : String(err) },
          'informer handler threw; ignored',
        );
      }
    }
  }
}
