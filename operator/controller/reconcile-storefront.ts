// Reconcile one Storefront: read it -> gather inputs (credentials, TLS, live volume size) ->
// render (pure) -> server-side apply in dependency order, owned by the Storefront -> prune what
// the render no longer produces -> compute status (pure) -> write status only when it changed.
// A failing step stops there: nothing is pruned or deleted after a failed apply.
import type { Storefront } from '../api/types.ts';
import { withDefaults } from '../api/validate.ts';
import { type ApplyAllResult, applyAll, pruneOwned, withOwner } from '../kube/apply-all.ts';
import type { KubeClient } from '../kube/client.ts';
import { isNotFound } from '../kube/errors.ts';
import type { KubeObject } from '../kube/types.ts';
import { RETAIN_ANNOTATION } from '../render/credentials.ts';
import type { RenderInputs } from '../render/inputs.ts';
import { names, storefrontSelector } from '../render/names.ts';
import { render } from '../render/render.ts';
import { readinessChildren, referencedUserSecrets } from '../status/children.ts';
import { computeStatus, type Observed, type ObservedChild, statusChanged } from '../status/conditions.ts';
import type { ChildCache } from './child-cache.ts';
import type { Clock } from './clock.ts';
import { ensureCredentials } from './credentials.ts';
import { missingApis as findMissingApis, wantedOptionalKinds } from './optional-apis.ts';
import { FIELD_MANAGER, FINALIZER, OWNED_KINDS, type OwnedKind, STOREFRONT_KIND } from './owned-kinds.ts';
import { selfSignedInputs } from './tls-material.ts';

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
   * Starts watching an optional kind whose API appeared after the operator started (cert-manager
   * installed later): without it the status would never see those children. Resolves once synced.
   */
  watchKind?: (kind: OwnedKind) => Promise<void>;
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

  constructor(deps: ReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(key: string): Promise<ReconcileOutcome> {
    const [namespace, name] = key.split('/') as [string, string];
    const cached = this.deps.storefront(namespace, name);
    if (!cached) return {}; // deleted: owned children go with it (garbage collection), retained data stays
    const sf = withDefaults(cached);
    if (sf.metadata.deletionTimestamp) return this.finalize(sf, namespace);
    if (!sf.metadata.finalizers?.includes(FINALIZER)) await this.addFinalizer(sf, namespace);

    const missingApis = await findMissingApis(this.deps.client, sf);
    for (const kind of wantedOptionalKinds(sf)) {
      if (!missingApis.includes(kind.optional!) && !this.deps.cache.has(kind.kind))
        await this.deps.watchKind?.(kind);
    }
    let reconcileError: string | undefined;
    let requeueAfterMs: number | undefined;
    try {
      const { inputs, renewAt } = await this.inputs(sf, namespace);
      const objects = render(sf, inputs).filter(
        (o) => !missingApis.some((api) => api.endsWith(` ${o.kind}`)),
      );
      const result = await applyAll(this.deps.client, objects as KubeObject[], {
        fieldManager: FIELD_MANAGER,
        owner: sf as unknown as KubeObject,
        keepWithoutOwner,
        live: this.deps.cache.live,
      });
      await this.prune(sf, namespace, objects as KubeObject[]);
      if (result.applied.length) await this.reportApplied(sf, result);
      if (renewAt) requeueAfterMs = Math.max(1000, renewAt.getTime() - this.deps.clock.now());
    } catch (e) {
      reconcileError = `${(e as Error).message}`.slice(0, 1000);
      await this.deps.event(sf, 'Warning', 'ReconcileFailed', reconcileError);
      await this.writeStatus(sf, namespace, { missingApis, reconcileError });
      throw e;
    }
    const ready = await this.writeStatus(sf, namespace, { missingApis });
    const next = ready ? (this.deps.resyncMs ?? 600_000) : (this.deps.notReadyRequeueMs ?? 60_000);
    return { requeueAfterMs: Math.min(next, requeueAfterMs ?? next) };
  }

  private async inputs(sf: Storefront, namespace: string): Promise<{ inputs: RenderInputs; renewAt?: Date }> {
    const owner = (o: KubeObject) => (keepWithoutOwner(o) ? o : withOwner(o, sf as unknown as KubeObject));
    const { values, created } = await ensureCredentials(
      this.deps.client,
      this.deps.cache,
      sf,
      namespace,
      owner,
    );
    if (created.length)
      await this.deps.event(
        sf,
        'Normal',
        'CredentialsGenerated',
        `generated ${created.join(', ')} (kept for the life of the data; never rotated)`,
      );
    const inputs: RenderInputs = { namespace, credentials: values };
    const sts = this.deps.cache.get('StatefulSet', namespace, names(sf).postgres) as
      | { spec?: { volumeClaimTemplates?: { spec?: { resources?: { requests?: { storage?: string } } } }[] } }
      | undefined;
    const liveSize = sts?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
    if (liveSize) inputs.observedPostgresVolumeSize = liveSize;
    if (sf.spec.ingress.tls.mode !== 'selfSigned') return { inputs };
    const { tls, decision } = await selfSignedInputs(
      this.deps.client,
      this.deps.cache,
      sf,
      namespace,
      new Date(this.deps.clock.now()),
    );
    inputs.tls = tls;
    if (decision.issued !== 'none') {
      await this.deps.event(
        sf,
        'Normal',
        'CertificateIssued',
        `issued ${decision.issued === 'leaf' ? 'a new leaf certificate' : 'a CA and a leaf certificate'} for ${sf.spec.host}, valid until ${tls.notAfter}`,
      );
    }
    return { inputs, renewAt: decision.renewAt };
  }

  private async prune(sf: Storefront, namespace: string, keep: KubeObject[]): Promise<void> {
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
      await this.deps.event(
        sf,
        'Normal',
        'Pruned',
        `removed ${result.deleted.map((r) => `${r.kind}/${r.name}`).join(', ')} (no longer in the spec)`,
      );
    }
  }

  private async reportApplied(sf: Storefront, result: ApplyAllResult): Promise<void> {
    const list = result.applied.map((r) => `${r.kind}/${r.name}`);
    await this.deps.event(sf, 'Normal', 'Applied', `applied ${list.length} object(s): ${list.join(', ')}`);
  }

  /** Writes status when it differs from the stored one; returns whether the Storefront is Ready. */
  private async writeStatus(
    sf: Storefront,
    namespace: string,
    o: Pick<Observed, 'missingApis' | 'reconcileError'>,
  ): Promise<boolean> {
    const observed: Observed = {
      children: this.observeChildren(sf, namespace),
      missingApis: o.missingApis,
      missingSecrets: await this.missingUserSecrets(sf, namespace),
    };
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

  private observeChildren(sf: Storefront, namespace: string): Map<string, ObservedChild> {
    const children = new Map<string, ObservedChild>();
    for (const [kind, name] of readinessChildren(sf)) {
      const live = this.deps.cache.get(kind, namespace, name);
      if (live) children.set(`${kind}/${name}`, live as unknown as ObservedChild);
    }
    return children;
  }

  private async missingUserSecrets(sf: Storefront, namespace: string): Promise<string[]> {
    const missing: string[] = [];
    for (const name of referencedUserSecrets(sf)) {
      // User Secrets carry no label of ours, so they are not in the cache: a GET (a read, never a write).
      const s = await this.deps.client.tryGet({ apiVersion: 'v1', kind: 'Secret', namespace, name });
      if (!s) missing.push(name);
    }
    return missing;
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
