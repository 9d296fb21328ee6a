// One revision's writes: gather inputs -> render (the operator's renderer) -> add release
// metadata -> refuse to adopt what is not ours -> server-side apply in dependency order under the
// one CLI field manager -> prune what earlier revisions applied and this one does not, except what
// a mode switch keeps until its replacement is usable (the operator's decision, shared).
import type { Storefront } from '../api/types.ts';
import { dateOf } from '../core/clock.ts';
import { identity, type KubeObject, type ObjectRef, refOf } from '../core/object.ts';
import { type ApplyAllResult, applyAll } from '../kube/apply-all.ts';
import type { KubeClient } from '../kube/client.ts';
import { isConflict, isNotFound } from '../kube/errors.ts';
import { gatherInputs, offlineInputs } from '../observe/inputs.ts';
import { missingOptionalKinds, type OptionalKind } from '../observe/owned-kinds.ts';
import { getReader } from '../observe/reader.ts';
import { observeReplacements } from '../observe/replacements.ts';
import { RETAIN_ANNOTATION } from '../render/credentials.ts';
import { render } from '../render/render.ts';
import { DeployError } from './errors.ts';
import { adoptionConflict, prepareObjects, withReleaseMetadata } from './prepare.ts';
import { CLI_FIELD_MANAGER, type ManifestObject, RELEASE_ANNOTATION, releaseKey } from './release.ts';

export interface PreparedRevision {
  objects: KubeObject[];
  /** Kinds of optional APIs the cluster lacks: their objects were left out (as the operator does). */
  skipped: ReadonlySet<OptionalKind>;
  /** Credential Secrets generated for this revision. */
  createdSecrets: string[];
}

/** Everything this revision will apply, in apply order. Creates missing credentials unless dryRun. */
export async function prepareRevision(
  client: KubeClient,
  sf: Storefront,
  namespace: string,
  options: { dryRun?: boolean } = {},
): Promise<PreparedRevision> {
  const skipped = await missingOptionalKinds(client, sf);
  const release = { namespace, name: sf.metadata.name };
  const { inputs, createdSecrets } = await gatherInputs(getReader(client), sf, namespace, {
    owner: (o) => withReleaseMetadata(o, release),
    fieldManager: CLI_FIELD_MANAGER,
    ...(options.dryRun ? { dryRun: true } : {}),
    now: dateOf(client.clock),
  });
  const rendered = render(sf, inputs).filter((o) => !skipped.has(o.kind as OptionalKind));
  return { objects: prepareObjects(rendered, release), skipped, createdSecrets };
}

/** Every object a revision would apply, rendered with placeholder credentials (names only matter). */
export function objectsOf(sf: Storefront, namespace: string): KubeObject[] {
  const inputs = offlineInputs(sf, namespace);
  if (sf.spec.ingress.tls.mode === 'selfSigned')
    inputs.tls = { certificate: '', privateKey: '', caCertificate: '', caPrivateKey: '' };
  return prepareObjects(render(sf, inputs), { namespace, name: sf.metadata.name });
}

/** Fails naming every live object this release may not take over (unless takeOwnership). */
export async function checkOwnership(
  client: KubeClient,
  objects: readonly KubeObject[],
  key: string,
): Promise<void> {
  const conflicts: string[] = [];
  await Promise.all(
    objects.map(async (o) => {
      const problem = adoptionConflict(await client.tryGet(refOf(o)), key);
      if (problem) conflicts.push(problem);
    }),
  );
  if (conflicts.length) {
    throw new DeployError(
      `release ${key} would take over objects that are not its own:\n${conflicts
        .sort()
        .map((c) => `  - ${c}`)
        .join('\n')}\n` +
        'No object was applied. Pass --take-ownership to adopt them (the operator will fight over objects its Storefront still owns).',
    );
  }
}

export interface PruneRevisionOptions {
  /** Objects earlier revisions applied (their manifests). */
  previous: readonly ManifestObject[];
  keep: readonly KubeObject[];
  key: string;
  /** PersistentVolumeClaims are kept unless this is true. */
  prunePersistentVolumeClaims?: boolean;
  dryRun?: boolean;
}

/** Objects a previous revision applied that this one does not: deleted if still ours. */
export function pruneCandidates(
  options: Pick<PruneRevisionOptions, 'previous' | 'keep' | 'prunePersistentVolumeClaims'>,
): ManifestObject[] {
  const keep = new Set(options.keep.map(identity));
  const seen = new Set<string>();
  return options.previous.filter((o) => {
    const id = identity(o);
    if (keep.has(id) || seen.has(id)) return false;
    seen.add(id);
    if (o.kind === 'PersistentVolumeClaim' && !options.prunePersistentVolumeClaims) return false;
    return o.metadata.annotations?.[RETAIN_ANNOTATION] !== 'true';
  });
}

/**
 * The prune candidates a mode switch keeps until their replacement is usable (nginx -> gatewayAPI:
 * the Ingress; selfSigned -> certManager: the TLS Secret cert-manager issues into), decided as the
 * operator decides before its prune (observe/replacements.ts), with one line each saying why.
 */
export async function keptThroughSwitch(
  client: KubeClient,
  sf: Storefront,
  namespace: string,
  skipped: ReadonlySet<OptionalKind>,
  candidates: readonly ManifestObject[],
): Promise<{ kept: ManifestObject[]; notes: string[] }> {
  const kept: ManifestObject[] = [];
  const notes: string[] = [];
  if (!candidates.length) return { kept, notes };
  for (const k of await observeReplacements(getReader(client), sf, namespace, skipped)) {
    const o = candidates.find((c) => identity(c) === identity(k.ref));
    if (!o) continue;
    kept.push(o);
    notes.push(
      `kept ${k.ref.kind}/${k.ref.name}: ${k.waitingFor ? `it keeps serving the shop until ${k.waitingFor}` : 'cert-manager issues into it'}`,
    );
  }
  return { kept, notes };
}

export async function pruneRevision(client: KubeClient, options: PruneRevisionOptions): Promise<ObjectRef[]> {
  const deleted: ObjectRef[] = [];
  // Reverse apply order: the front door goes before the workloads it routes to.
  for (const o of pruneCandidates(options).reverse()) {
    const ref = refOf(o);
    let live: KubeObject | undefined;
    try {
      live = await client.tryGet(ref);
    } catch (e) {
      if (isNotFound(e)) continue; // its API is gone
      throw e;
    }
    // Only what still carries our annotation: an object adopted by someone else stays.
    if (
      !live ||
      live.metadata.annotations?.[RELEASE_ANNOTATION] !== options.key ||
      live.metadata.deletionTimestamp
    )
      continue;
    try {
      const gone = await client.delete(ref, {
        ...(live.metadata.uid ? { preconditions: { uid: live.metadata.uid } } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
      });
      if (gone) deleted.push(ref);
    } catch (e) {
      if (!isConflict(e)) throw e;
    }
  }
  return deleted;
}

export function applyObjects(
  client: KubeClient,
  objects: readonly KubeObject[],
  dryRun = false,
  signal?: AbortSignal,
): Promise<ApplyAllResult> {
  return applyAll(client, objects, {
    fieldManager: CLI_FIELD_MANAGER,
    // One manager owns every field; a hand edit of a field we set is overwritten, like the operator does.
    force: true,
    dryRun,
    ...(signal ? { signal } : {}),
  });
}

export { releaseKey };
