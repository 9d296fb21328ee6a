// The one client the operator and the deployer CLI use to talk to Kubernetes: server-side apply,
// reads, deletes, status patches, events, discovery and raw watches, all on plain JSON objects.

import type { Readable } from 'node:stream';
import { type Clock, realClock } from '../core/clock.ts';
import { type KindRef, type KubeObject, type ObjectRef, refOf } from '../core/object.ts';
import { type KubeConnectOptions, loadKubeConnection } from './config.ts';
import { type ApiResource, apiVersionPath, Discovery } from './discovery.ts';
import { isNotFound, KubeApiError, type KubeApiErrorContext, type KubeStatus, type Verb } from './errors.ts';
import { formatLabelSelector, type LabelSelector } from './label-selector.ts';
import { parseWithoutManagedFields } from './managed-fields.ts';
import { type RequestInfo, Transport, type TransportOptions } from './transport.ts';

export type { RequestInfo, TransportOptions };

export interface KubeClientOptions extends KubeConnectOptions, TransportOptions {
  /** How long discovery remembers that a kind is not served. @default 30_000 */
  discoveryMissTtlMs?: number;
  /** Where event times come from. @default realClock */
  clock?: Clock;
}

export interface ApplyOptions {
  /** Owner of the applied fields (`storefront-operator`, `storefront-cli`). */
  fieldManager: string;
  /** Take over fields another manager owns instead of failing with a conflict. @default false */
  force?: boolean;
  /** Validate and default on the server without persisting. @default false */
  dryRun?: boolean;
  /**
   * Resolve with the object as sent instead of parsing the server's answer, which repeats it with
   * defaults and managedFields (several KB per object): for callers that read what they need from
   * a watch anyway. @default false
   */
  discardResponse?: boolean;
}

export interface ListOptions extends KindRef {
  /** Omit for all namespaces (or for cluster-scoped kinds). */
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: string;
  /** Page size; all pages are fetched. @default 500 */
  pageSize?: number;
  /**
   * Ask for metadata only (PartialObjectMetadata items, kind and apiVersion meta.k8s.io's): what
   * exists by name costs the server and us a fraction of the whole objects.
   */
  metadataOnly?: boolean;
  /**
   * Called with each item as its page arrives, instead of collecting them: `items` then comes back
   * empty, and a caller that keeps a smaller form of each (an informer) holds one page of raw
   * objects at a time, not the whole list.
   */
  each?: (item: KubeObject) => void;
  /**
   * Items come without metadata.managedFields, cut from the text before it is parsed
   * (managed-fields.ts): for callers that would drop them anyway. @default false
   */
  withoutManagedFields?: boolean;
}

export interface ListResult<T extends KubeObject> {
  items: T[];
  /** The list's resourceVersion, to start a watch from. */
  resourceVersion: string;
}

export type PropagationPolicy = 'Foreground' | 'Background' | 'Orphan';

export interface DeleteOptions {
  /** @default 'Background' */
  propagationPolicy?: PropagationPolicy;
  /** Delete only if the live object still has this uid / resourceVersion (409 otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  dryRun?: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';

export interface PatchOptions {
  type: PatchType;
  subresource?: string;
  fieldManager?: string;
  dryRun?: boolean;
}

export interface PatchStatusOptions {
  /** merge: JSON merge patch of `status`. apply: server-side apply of `status` owned by `fieldManager`. @default 'merge' */
  mode?: 'merge' | 'apply';
  /** Required for mode 'apply'; recorded for 'merge'. */
  fieldManager?: string;
  /** mode 'apply' only. @default true */
  force?: boolean;
  /** Optimistic concurrency (merge mode): fail with 409 if the object changed since this version. */
  resourceVersion?: string;
}

export interface EventOptions {
  /** The object the event is about. */
  regarding: KubeObject;
  type: 'Normal' | 'Warning';
  /** CamelCase machine-readable reason (`Reconciled`, `ApplyFailed`). */
  reason: string;
  /** Human-readable text; truncated to the API's 1 KiB. */
  note: string;
  /** What was done (`Reconcile`, `Delete`). */
  action: string;
  reportingController: string;
  reportingInstance: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject | (KubeStatus & { kind?: string });
}

export interface WatchOptions extends KindRef {
  namespace?: string;
  labelSelector?: LabelSelector;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Server ends the watch after this long (the caller rewatches). */
  timeoutSeconds?: number;
  /** Events carry PartialObjectMetadata objects (see ListOptions.metadataOnly). */
  metadataOnly?: boolean;
  /** Objects come without metadata.managedFields (see ListOptions.withoutManagedFields). */
  withoutManagedFields?: boolean;
  /** Aborting ends the watch; `watch` then resolves. */
  signal: AbortSignal;
}

const MICROTIME_PAD = '000Z';
// The API server's metadata-only representation (what client-go's metadata client asks for);
// plain JSON after the comma for a server that cannot convert.
const METADATA_LIST_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_ACCEPT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export class KubeClient {
  readonly transport: Transport;
  readonly discovery: Discovery;
  readonly clock: Clock;

  constructor(transport: Transport, discovery?: Discovery, clock: Clock = realClock) {
    this.transport = transport;
    this.clock = clock;
    this.discovery = discovery ?? new Discovery(transport, undefined, clock);
  }

  /** The API server's time now, in milliseconds (its Date header: whole seconds). */
  serverTime(): Promise<number> {
    return this.transport.serverDate();
  }

  /** Requests sent so far, by verb. */
  requestCounts(): Record<string, number> {
    return this.transport.requestCounts();
  }

  /** Is `kind` served in `group/version`? (`group` '' for core.) */
  hasApi(group: string, version: string, kind: string): Promise<boolean> {
    return this.discovery.hasApi(group, version, kind);
  }

  resourceFor(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    return this.discovery.resourceFor(apiVersion, kind);
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    const path = await this.path(ref, 'get', true);
    const obj = await this.transport.request<T>({
      verb: 'get',
      method: 'GET',
      path,
      context: ctx('get', ref),
    });
    return withKind(obj, ref);
  }

  /** `get`, but undefined when the object does not exist. */
  async tryGet<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /**
   * The object named by `ref`, or undefined: a list filtered on its name, not a GET, so an identity
   * granted `list` but not `get` (the operator's RBAC on most kinds) can still tell whether it exists.
   */
  async findByName<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const { items } = await this.list<T>({
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      namespace: ref.namespace,
      fieldSelector: `metadata.name=${ref.name}`,
    });
    return items[0];
  }

  async list<T extends KubeObject = KubeObject>(options: ListOptions): Promise<ListResult<T>> {
    const path = await this.path(options, 'list', false);
    const items: T[] = [];
    let cont: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.transport.request<{
        items?: T[];
        metadata?: { continue?: string; resourceVersion?: string };
      }>({
        verb: 'list',
        method: 'GET',
        path,
        query: {
          labelSelector: formatLabelSelector(options.labelSelector),
          fieldSelector: options.fieldSelector,
          limit: options.pageSize ?? 500,
          continue: cont,
        },
        ...(options.metadataOnly ? { accept: METADATA_LIST_ACCEPT } : {}),
        ...(options.withoutManagedFields ? { parse: parseWithoutManagedFields } : {}),
        context: ctx('list', options),
      });
      for (const item of page.items ?? []) {
        if (options.each) options.each(withKind(item, options));
        else items.push(withKind(item, options));
      }
      cont = page.metadata?.continue || undefined;
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
    } while (cont);
    return { items, resourceVersion };
  }

  /** Server-side apply: the object states every field this manager owns. */
  async apply<T extends KubeObject = KubeObject>(obj: KubeObject, options: ApplyOptions): Promise<T> {
    if (!options.fieldManager) throw new Error('apply needs a fieldManager');
    const ref = refOf(obj);
    const path = await this.path(ref, 'apply', true);
    const { managedFields: _ignored, ...metadata } = obj.metadata;
    const body = { ...obj, metadata };
    const result = await this.transport.request<T>({
      verb: 'apply',
      method: 'PATCH',
      path,
      query: {
        fieldManager: options.fieldManager,
        force: options.force ? true : undefined,
        ...dryRun(options),
      },
      body,
      contentType: 'application/apply-patch+yaml',
      context: ctx('apply', ref),
      ...(options.discardResponse ? { discardBody: true } : {}),
    });
    return options.discardResponse ? (obj as T) : withKind(result, ref);
  }

  async create<T extends KubeObject = KubeObject>(
    obj: KubeObject,
    options: { fieldManager?: string; dryRun?: boolean } = {},
  ): Promise<T> {
    const ref = refOf(obj);
    const path = await this.path({ ...ref, name: '' }, 'create', false, obj.metadata.namespace);
    const result = await this.transport.request<T>({
      verb: 'create',
      method: 'POST',
      path,
      query: { fieldManager: options.fieldManager, ...dryRun(options) },
      body: obj,
      context: ctx('create', ref),
    });
    return withKind(result, ref);
  }

  /** PUT: replaces the object; with metadata.resourceVersion set, a concurrent change fails with 409. */
  async update<T extends KubeObject = KubeObject>(
    obj: KubeObject,
    options: { fieldManager?: string; dryRun?: boolean; subresource?: string } = {},
  ): Promise<T> {
    const ref = refOf(obj);
    const path = await this.path(ref, 'update', true, undefined, options.subresource);
    const result = await this.transport.request<T>({
      verb: 'update',
      method: 'PUT',
      path,
      query: { fieldManager: options.fieldManager, ...dryRun(options) },
      body: obj,
      context: ctx('update', ref),
    });
    return withKind(result, ref);
  }

  async patch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    options: PatchOptions,
  ): Promise<T> {
    const path = await this.path(ref, 'patch', true, undefined, options.subresource);
    const contentType = {
      merge: 'application/merge-patch+json',
      json: 'application/json-patch+json',
      strategic: 'application/strategic-merge-patch+json',
    }[options.type];
    const result = await this.transport.request<T>({
      verb: 'patch',
      method: 'PATCH',
      path,
      query: { fieldManager: options.fieldManager, ...dryRun(options) },
      body: patch,
      contentType,
      context: ctx('patch', ref),
    });
    return withKind(result, ref);
  }

  /** Writes `status` through the status subresource (spec changes are impossible this way). */
  async patchStatus<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    status: unknown,
    options: PatchStatusOptions = {},
  ): Promise<T> {
    if (options.mode === 'apply') {
      if (!options.fieldManager) throw new Error('patchStatus in apply mode needs a fieldManager');
      const path = await this.path(ref, 'apply', true, undefined, 'status');
      const metadata: Record<string, string> = { name: ref.name };
      if (ref.namespace) metadata['namespace'] = ref.namespace;
      const result = await this.transport.request<T>({
        verb: 'apply',
        method: 'PATCH',
        path,
        query: { fieldManager: options.fieldManager, force: options.force ?? true },
        body: { apiVersion: ref.apiVersion, kind: ref.kind, metadata, status },
        contentType: 'application/apply-patch+yaml',
        context: ctx('apply', ref),
      });
      return withKind(result, ref);
    }
    const body: Record<string, unknown> = { status };
    if (options.resourceVersion) body['metadata'] = { resourceVersion: options.resourceVersion };
    const patchOptions: PatchOptions = { type: 'merge', subresource: 'status' };
    if (options.fieldManager) patchOptions.fieldManager = options.fieldManager;
    return this.patch<T>(ref, body, patchOptions);
  }

  /** Deletes the object; resolves false when it was already gone. */
  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    const path = await this.path(ref, 'delete', true);
    const body: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy ?? 'Background',
    };
    if (options.preconditions) body['preconditions'] = options.preconditions;
    if (options.gracePeriodSeconds !== undefined) body['gracePeriodSeconds'] = options.gracePeriodSeconds;
    if (options.dryRun) body['dryRun'] = ['All'];
    try {
      await this.transport.request({
        verb: 'delete',
        method: 'DELETE',
        path,
        body,
        context: ctx('delete', ref),
      });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /** Records an events.k8s.io/v1 Event about an object (shown by `kubectl describe`). */
  async createEvent(options: EventOptions): Promise<KubeObject> {
    const r = options.regarding;
    const namespace = r.metadata.namespace || 'default';
    const now = new Date(this.clock.now());
    const event: KubeObject = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: `${r.metadata.name ?? 'object'}.${now.getTime().toString(16)}${Math.floor(
          Math.random() * 0xffff,
        )
          .toString(16)
          .padStart(4, '0')}`,
        namespace,
      },
      eventTime: now.toISOString().replace('Z', MICROTIME_PAD),
      type: options.type,
      reason: options.reason,
      note: truncateBytes(options.note, 1024),
      action: options.action,
      reportingController: options.reportingController,
      reportingInstance: options.reportingInstance,
      regarding: {
        apiVersion: r.apiVersion,
        kind: r.kind,
        name: r.metadata.name,
        namespace: r.metadata.namespace,
        uid: r.metadata.uid,
        resourceVersion: r.metadata.resourceVersion,
      },
    };
    return this.create(event);
  }

  /**
   * Streams watch events until the server ends the watch (resolves), the signal aborts (resolves)
   * or the connection fails (rejects with a KubeApiError).
   */
  async watch(options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<void> {
    const path = await this.path(options, 'watch', false);
    const context = ctx('watch', options);
    let body: Readable;
    try {
      body = await this.transport.stream({
        verb: 'watch',
        method: 'GET',
        path,
        query: {
          watch: true,
          labelSelector: formatLabelSelector(options.labelSelector),
          fieldSelector: options.fieldSelector,
          resourceVersion: options.resourceVersion,
          allowWatchBookmarks: options.allowWatchBookmarks ? true : undefined,
          timeoutSeconds: options.timeoutSeconds,
        },
        ...(options.metadataOnly ? { accept: METADATA_ACCEPT } : {}),
        context,
        signal: options.signal,
      });
    } catch (err) {
      if (options.signal.aborted) return;
      throw err;
    }
    body.setEncoding('utf8');
    let buffered = '';
    let failed = false;
    try {
      await new Promise<void>((resolve, reject) => {
        body.on('data', (chunk: string) => {
          if (failed) return;
          buffered += chunk;
          let nl = buffered.indexOf('\n');
          try {
            while (nl >= 0) {
              const line = buffered.slice(0, nl).trim();
              buffered = buffered.slice(nl + 1);
              if (line) onEvent(parseWatchLine(line, options, options.withoutManagedFields));
              nl = buffered.indexOf('\n');
            }
          } catch (err) {
            // A bad line or a throwing callback: stop reading and report it.
            failed = true;
            reject(err);
          }
        });
        body.once('end', resolve);
        body.once('error', reject);
        body.once('close', () => {
          if (!body.readableEnded) reject(new Error('the connection closed before the watch ended'));
        });
      });
    } catch (err) {
      if (options.signal.aborted) return;
      throw err instanceof KubeApiError
        ? err
        : new KubeApiError(
            context,
            0,
            { message: `watch stream broke: ${(err as Error)?.message ?? err}` },
            err,
          );
    } finally {
      // Closes the connection unless the server already ended the response.
      if (!body.readableEnded) body.destroy();
      body.removeAllListeners('data');
    }
  }

  private async path(
    ref: { apiVersion: string; kind: string; namespace?: string; name?: string },
    verb: Verb,
    named: boolean,
    namespaceOverride?: string,
    subresource?: string,
  ): Promise<string> {
    const resource = await this.discovery.resourceFor(ref.apiVersion, ref.kind);
    if (!resource) {
      throw new KubeApiError(ctx(verb, ref), 404, {
        reason: 'NotFound',
        message: `the API server does not serve ${ref.kind} in ${ref.apiVersion} (CRD not installed?)`,
      });
    }
    const namespace = namespaceOverride ?? ref.namespace;
    let path = apiVersionPath(ref.apiVersion);
    if (resource.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
    else if (resource.namespaced && named) {
      throw new Error(
        `${verb} ${ref.kind} ${ref.name ?? ''}: ${ref.kind} is namespaced but no namespace was given`,
      );
    }
    path += `/${resource.plural}`;
    if (named) {
      if (!ref.name) throw new Error(`${verb} ${ref.kind}: metadata.name is required`);
      path += `/${encodeURIComponent(ref.name)}`;
    }
    if (subresource) path += `/${subresource}`;
    return path;
  }
}

/** Connects with a kubeconfig file, KUBECONFIG/~/.kube/config, or the Pod's service account. */
export function createKubeClient(options: KubeClientOptions = {}): KubeClient {
  const transport = new Transport(loadKubeConnection(options), options);
  const clock = options.clock ?? realClock;
  return new KubeClient(transport, new Discovery(transport, options.discoveryMissTtlMs, clock), clock);
}

function ctx(verb: Verb, ref: { kind: string; namespace?: string; name?: string }): KubeApiErrorContext {
  const c: KubeApiErrorContext = { verb, kind: ref.kind };
  if (ref.namespace) c.namespace = ref.namespace;
  if (ref.name) c.name = ref.name;
  return c;
}

function dryRun(options: { dryRun?: boolean }): { dryRun?: string } {
  return options.dryRun ? { dryRun: 'All' } : {};
}

/** Lists and some responses omit apiVersion/kind on items; put them back. */
function withKind<T extends KubeObject>(obj: T, kind: KindRef): T {
  if (obj && (!obj.apiVersion || !obj.kind)) {
    obj.apiVersion ||= kind.apiVersion;
    obj.kind ||= kind.kind;
  }
  return obj;
}

function parseWatchLine(line: string, kind: KindRef, withoutManagedFields = false): WatchEvent {
  const event = (withoutManagedFields ? parseWithoutManagedFields(line) : JSON.parse(line)) as WatchEvent;
  if (event.type !== 'ERROR' && event.object) withKind(event.object as KubeObject, kind);
  return event;
}

function truncateBytes(text: string, max: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= max) return text;
  return `${buf.subarray(0, max - 3).toString('utf8')}...`.replace(/\uFFFD/g, '');
}

export type { ApiResource };
