// Reconcile one Storefront: read it -> gather inputs (credentials, TLS, live volume size) ->
// render (pure) -> server-side apply in dependency order, owned by the Storefront -> prune what
// the render no longer produces -> compute status (pure) -> write status only when it changed.
// A failing step stops there: nothing is pruned or deleted after a failed apply.
import type { Storefront } from '../api/types.ts';
import { withDefaults } from '../api/validate.ts';
import type { Clock } from '../core/clock.ts';
import { identity, type KubeObject, type ObjectRef, refOf } from '../core/object.ts';
import { type ApplyAllResult, applyAll, pruneOwned, withAppliedHash, withOwner } from '../kube/apply-all.ts';
import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import type { ChildCache } from '../observe/child-cache.ts';
import { observe } from '../observe/children.ts';
import { gatherInputs } from '../observe/inputs.ts';
import {
  missingOptionalKinds,
  type OptionalKind,
  OWNED_KINDS,
  optionalKindsFor,
  STOREFRONT_KIND,
} from '../observe/owned-kinds.ts';
import { cacheReader, type ObjectReader } from '../observe/reader.ts';
import { observeReplacements } from '../observe/replacements.ts';
import { RETAIN_ANNOTATION } from '../render/credentials.ts';
import { type RenderInputs, requiredCredentials } from '../render/inputs.ts';
import { names, storefrontSelector } from '../render/names.ts';
import { render } from '../render/render.ts';
import { computeStatus, type Observed, statusChanged } from '../status/conditions.ts';
import { ForeignObjectsError, foreignObjects } from './ownership.ts';

export const FIELD_MANAGER = 'storefront-operator';
export const FINALIZER = 'storefront.dev/finalizer';

export interface ReconcilerDeps {
  client: KubeClient;
  cache: ChildCache;
  /** The Storefront cache (informer). */
  storefront: (namespace: string, name: string) => Storefront | undefined;
  clock: Clock;
  /** Events on the Storefront; failures to record an event never fail a reconcile. */
  event: (sf: Storefront, type: 'Normal' | 'Warning', reason: string, note: string) => Promise<void>;
  /**
   * Re-check while not Ready. Child changes already arrive through watches, so this only catches
   * what is not watched (a user's Secret appearing): short values flood the queue at scale.
   */
  notReadyRequeueMs?: number;
  resyncMs?: number;
  /**
   * Makes sure the optional kinds this spec renders and the cluster serves are watched (an API
   * installed after start-up, cert-manager say): without it the status would never see those
   * children. Resolves once their caches have synced. See late-watches.ts.
   */
  watchOptionalKinds?: (kinds: ReadonlySet<OptionalKind>) => Promise<void>;
  /**
   * Whether the operator's watches know that no object of this kind and name exists
   * (foreign-names.ts): such a name is not looked up before it is written. Without it, every name
   * the cache lacks is.
   */
  free?: (ref: ObjectRef) => boolean;
}

export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

/** Objects that must outlive the Storefront never get its ownerReference. */
function keepWithoutOwner(obj: KubeObject): boolean {
  return obj.kind === 'PersistentVolumeClaim' || obj.metadata.annotations?.[RETAIN_ANNOTATION] === 'true';
}

export class StorefrontReconciler {
  private readonly deps: ReconcilerDeps;
  private readonly reader: ObjectReader;
  /**
   * What each Storefront's render produces, by name, kept while its spec is unchanged: the
   * takeover check needs it on every reconcile, and a render costs milliseconds of CPU.
   */
  private readonly renderedRefs = new Map<string, { spec: string; refs: ObjectRef[] }>();

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
    this.reader = cacheReader(deps.client, deps.cache, deps.free);
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.deps.storefront(namespace, name);
    if (!cached) {
      // Deleted: owned children go with it (garbage collection), retained data stays.
      this.renderedRefs.delete(key);
      return {};
    }
    const sf = withDefaults(cached);
    if (sf.metadata.deletionTimestamp) return this.finalize(sf, namespace);
    // The finalizer goes out together with the takeover check and the credentials, and is in place
    // before anything is applied: a new Storefront waits one round trip less. What is created
    // before it lands outlives no Storefront it should not (credentials are owned by it, or kept
    // on purpose under Retain); its failure (a conflict) is retried like before, without an event.
    let finalizerFailed: { error: unknown } | undefined;
    const finalizer = sf.metadata.finalizers?.includes(FINALIZER)
      ? undefined
      : this.addFinalizer(sf, namespace).catch((error: unknown) => {
          finalizerFailed = { error };
        });
    const finalizerAdded = async () => {
      await finalizer;
      if (finalizerFailed) throw finalizerFailed.error;
    };

    const missingApis = await missingOptionalKinds(this.deps.client, sf);
    const served = new Set([...optionalKindsFor(sf)].filter((k) => !missingApis.has(k)));
    await this.deps.watchOptionalKinds?.(served);
    if (sf.spec.suspend) {
      await finalizerAdded();
      // Maintenance: observe and report only (condition Suspended); nothing applied or pruned.
      await this.writeStatus(sf, namespace, { missingApis });
      return { requeueAfterMs: this.deps.resyncMs ?? 600_000 };
    }
    let reconcileError: string | undefined;
    let requeueAfterMs: number | undefined;
    try {
      // What the API server said this reconcile about objects the cache lacks: the takeover check
      // asks about every rendered object, and the credential and certificate Secrets it found
      // absent need not be asked about again a moment later.
      const fetched = new Map<string, KubeObject | undefined>();
      // Before anything is written (generated credentials included): nothing of someone else's.
      await this.refuseForeign(sf, namespace, missingApis, fetched);
      const { inputs, renewAt, created } = await this.inputs(sf, namespace, fetched);
      await finalizerAdded();
      const objects = render(sf, inputs).filter((o) => !missingApis.has(o.kind as OptionalKind));
      const result = await applyAll(this.deps.client, objects, {
        fieldManager: FIELD_MANAGER,
        owner: sf as unknown as KubeObject,
        keepWithoutOwner,
        // Only which objects were applied is used; the informers bring the live copies.
        discardResponses: true,
        // Secrets created just now (with the hash apply would give them) are not applied again.
        live: created.size
          ? (ref) => created.get(identity(ref)) ?? this.deps.cache.live(ref)
          : this.deps.cache.live,
      });
      // A mode switch keeps the old object until its replacement is usable (observe/replacements.ts).
      const kept = await observeReplacements(this.reader, sf, namespace, missingApis);
      await this.prune(sf, namespace, [...objects, ...kept.map((k) => k.ref)]);
      if (result.applied.length) this.reportApplied(sf, result);
      if (renewAt) requeueAfterMs = Math.max(1000, renewAt.getTime() - this.deps.clock.now());
    } catch (e) {
      if (finalizerFailed && e === finalizerFailed.error) throw e;
      // Settled first: a status write racing the finalizer's patch would make it conflict.
      await finalizer;
      reconcileError = `${(e as Error).message}`.slice(0, 1000);
      await this.deps.event(sf, 'Warning', 'ReconcileFailed', reconcileError);
      await this.writeStatus(sf, namespace, { missingApis, reconcileError });
      throw e;
    }
    // The conditions say what is kept and why: observe() asks the same decision (replacements.ts).
    const ready = await this.writeStatus(sf, namespace, { missingApis });
    // An API the spec needs but the cluster does not serve is looked for again at the not-ready
    // pace even when Ready does not wait for it (monitoring): installing a CRD wakes no Storefront.
    const settled = ready && missingApis.size === 0;
    const next = settled ? (this.deps.resyncMs ?? 600_000) : (this.deps.notReadyRequeueMs ?? 60_000);
    return { requeueAfterMs: Math.min(next, requeueAfterMs ?? next) };
  }

  private async refuseForeign(
    sf: Storefront,
    namespace: string,
    missingApis: ReadonlySet<string>,
    fetched: Map<string, KubeObject | undefined>,
  ): Promise<void> {
    const refs = this.refsOf(sf, namespace).filter((r) => !missingApis.has(r.kind));
    // Our own objects are in the cache (it holds what a Storefront owns) and names nobody has
    // are known free; only a name taken by an object the cache does not hold is read from the API
    // server, so neither a steady state nor a new Storefront costs a request. A list by name, not
    // a GET: the chart's RBAC grants `list` on every kind we write, `get` only on Secrets.
    const foreign = await foreignObjects(sf, refs, async (ref) => {
      const cached = this.deps.cache.live(ref);
      if (cached) return cached;
      // Not recorded in `fetched`: a free name is only good for a check, not for skipping the
      // read of a Secret that is then applied (a watch lagging our own create would re-issue it).
      if (this.deps.free?.(ref)) return undefined;
      const live = await this.deps.client.findByName(ref);
      fetched.set(identity(ref), live);
      return live;
    });
    if (foreign.length) throw new ForeignObjectsError(sf, foreign);
  }

  /** The objects the render produces for this spec, by reference (names only). */
  private refsOf(sf: Storefront, namespace: string): ObjectRef[] {
    const key = `${namespace}/${sf.metadata.name}`;
    const spec = JSON.stringify(sf.spec);
    const known = this.renderedRefs.get(key);
    if (known?.spec === spec) return known.refs;
    // The names the render produces do not depend on credential or certificate values.
    const placeholder = 'placeholder';
    const refs = render(sf, {
      namespace,
      credentials: Object.fromEntries(requiredCredentials(sf).map((k) => [k, placeholder])),
      tls: {
        certificate: placeholder,
        privateKey: placeholder,
        caCertificate: placeholder,
        caPrivateKey: placeholder,
      },
    }).map(refOf);
    this.renderedRefs.set(key, { spec, refs });
    return refs;
  }

  private async inputs(
    sf: Storefront,
    namespace: string,
    fetched: ReadonlyMap<string, KubeObject | undefined>,
  ): Promise<{ inputs: RenderInputs; renewAt?: Date; created: Map<string, KubeObject> }> {
    // A Secret the takeover check just asked the server about is not asked about again.
    const known =
      (read: ObjectReader['confirmed']): ObjectReader['confirmed'] =>
      (ref) => {
        const id = identity(ref);
        return fetched.has(id) ? Promise.resolve(fetched.get(id)) : read(ref);
      };
    const reader: ObjectReader = fetched.size
      ? {
          ...this.reader,
          confirmed: known(this.reader.confirmed),
          beforeCreate: known(this.reader.beforeCreate),
        }
      : this.reader;
    const gathered = await gatherInputs(reader, sf, namespace, {
      // With the hash applyAll would put on it: the apply right after leaves it alone.
      owner: (o) => withAppliedHash(keepWithoutOwner(o) ? o : withOwner(o, sf as unknown as KubeObject)),
      fieldManager: FIELD_MANAGER,
      now: new Date(this.deps.clock.now()),
      createCertificates: true,
    });
    const { inputs, createdSecrets, tls } = gathered;
    const created = new Map(gathered.createdObjects.map((o) => [identity(o), o]));
    if (createdSecrets.length)
      this.record(
        sf,
        'Normal',
        'CredentialsGenerated',
        `generated ${createdSecrets.join(', ')} (kept for the life of the data; never rotated)`,
      );
    if (!tls) return { inputs, created };
    if (tls.issued !== 'none') {
      this.record(
        sf,
        'Normal',
        'CertificateIssued',
        `issued ${tls.issued === 'leaf' ? 'a new leaf certificate' : 'a CA and a leaf certificate'} for ${sf.spec.host}, valid until ${tls.notAfter.toISOString()}`,
      );
    }
    return { inputs, renewAt: tls.renewAt, created };
  }

  private async prune(sf: Storefront, namespace: string, keep: (KubeObject | ObjectRef)[]): Promise<void> {
    const kinds = OWNED_KINDS.filter((k) => !k.optional || this.deps.cache.has(k.kind));
    const result = await pruneOwned(this.deps.client, {
      kinds,
      namespace,
      labelSelector: storefrontSelector(sf.metadata.name),
      keep,
      ...(sf.metadata.uid ? { ownerUid: sf.metadata.uid } : {}),
      deletePersistentVolumeClaims: false,
      source: (k) => this.deps.cache.children(k.kind, namespace, sf.metadata.name),
    });
    if (result.deleted.length) {
      this.record(
        sf,
        'Normal',
        'Pruned',
        `removed ${result.deleted.map((r) => `${r.kind}/${r.name}`).join(', ')} (no longer in the spec)`,
      );
    }
  }

  private reportApplied(sf: Storefront, result: ApplyAllResult): void {
    const list = result.applied.map((r) => `${r.kind}/${r.name}`);
    this.record(sf, 'Normal', 'Applied', `applied ${list.length} object(s): ${list.join(', ')}`);
  }

  /**
   * Records an event of the normal path without waiting for it: an event is a write of its own,
   * and a reconcile that waited for each (generated credentials, issued certificate, applied
   * objects) spent as many extra round trips; its failure never fails a reconcile anyway.
   */
  private record(...args: Parameters<ReconcilerDeps['event']>): void {
    this.deps.event(...args).catch(() => undefined);
  }

  /** Writes status when it differs from the stored one; returns whether the Storefront is Ready. */
  private async writeStatus(
    sf: Storefront,
    namespace: string,
    o: Pick<Observed, 'missingApis' | 'reconcileError'>,
  ): Promise<boolean> {
    const observed = await observe(this.reader, sf, namespace, o.missingApis);
    if (o.reconcileError) observed.reconcileError = o.reconcileError;
    const status = computeStatus(sf, observed, new Date(this.deps.clock.now()));
    if (statusChanged(sf.status, status)) {
      try {
        await this.deps.client.patchStatus(
          { ...STOREFRONT_KIND, namespace, name: sf.metadata.name },
          status,
          { fieldManager: FIELD_MANAGER },
        );
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  }

  private async addFinalizer(sf: Storefront, namespace: string): Promise<void> {
    await this.deps.client.patch(
      { ...STOREFRONT_KIND, namespace, name: sf.metadata.name },
      {
        metadata: {
          finalizers: [...(sf.metadata.finalizers ?? []), FINALIZER],
          resourceVersion: sf.metadata.resourceVersion,
        },
      },
      { type: 'merge', fieldManager: FIELD_MANAGER },
    );
  }

  /**
   * Deletion. Retain: the data volume, credentials and CA carry no ownerReference, so they outlive
   * the Storefront and a Storefront re-created under the same name finds them. Delete: remove
   * those too, then let garbage collection take the rest.
   */
  private async finalize(sf: Storefront, namespace: string): Promise<ReconcileOutcome> {
    if (!sf.metadata.finalizers?.includes(FINALIZER)) return {};
    if (sf.spec.deletionPolicy === 'Delete') {
      const selector = storefrontSelector(sf.metadata.name);
      for (const kind of ['PersistentVolumeClaim', 'Secret'] as const) {
        const items = (
          await this.deps.client.list({ apiVersion: 'v1', kind, namespace, labelSelector: selector })
        ).items;
        for (const item of items) {
          // Kept even now: the backups volume (its own deletionPolicy Retain, the default).
          if (item.metadata.annotations?.[RETAIN_ANNOTATION] === 'true') continue;
          await this.deps.client.delete({ apiVersion: 'v1', kind, namespace, name: item.metadata.name! });
        }
      }
      await this.deps.event(
        sf,
        'Normal',
        'DataDeleted',
        'deletionPolicy Delete: removed the database volume and the credentials',
      );
    } else {
      await this.deps.event(
        sf,
        'Normal',
        'DataRetained',
        `deletionPolicy Retain: kept PersistentVolumeClaim ${names(sf).postgresDataClaim} and the credential Secrets; re-create Storefront ${sf.metadata.name} to re-attach them`,
      );
    }
    const remaining = (sf.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    try {
      await this.deps.client.patch(
        { ...STOREFRONT_KIND, namespace, name: sf.metadata.name },
        { metadata: { finalizers: remaining, resourceVersion: sf.metadata.resourceVersion } },
        { type: 'merge', fieldManager: FIELD_MANAGER },
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    return {};
  }
}
