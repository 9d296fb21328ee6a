// Pure readings of a release's history, all built on one notion: the deployed revision (the one
// live now). A failed change goes back to it; `rollback` with no revision goes to the good one
// before it; prune looks at what it and every later revision applied.
import { DeployError } from './errors.ts';
import type { ManifestObject, Release } from './release.ts';
import type { StoredRelease } from './release-store.ts';

/** The revision live now: the newest deployed one, other than `except` (the one being made). */
export function deployedRevision(history: readonly StoredRelease[], except = -1): Release | undefined {
  return history
    .map((h) => h.release)
    .filter((r) => r.revision !== except && r.status === 'deployed')
    .at(-1);
}

/** Manifests earlier revisions applied that may still be live: the deployed one and later. */
export function pruneSources(history: readonly StoredRelease[], ownRevision: number): Release[] {
  const prior = history.map((h) => h.release).filter((r) => r.revision !== ownRevision);
  const deployed = deployedRevision(history, ownRevision);
  return deployed ? prior.filter((r) => r.revision >= deployed.revision) : prior;
}

/** What a revision leaves live: what it applied, and what of an earlier mode it kept. */
export function leftLive(release: Release): ManifestObject[] {
  return [...release.objects, ...(release.kept ?? [])];
}

/** The revision a rollback restores: the one named, else the newest good one before the deployed one. */
export function rollbackTarget(
  history: readonly StoredRelease[],
  revision: number | undefined,
  key: string,
): Release {
  const all = history.map((h) => h.release);
  if (!all.length) throw new DeployError(`release ${key} not found`);
  if (revision !== undefined) {
    const r = all.find((x) => x.revision === revision);
    if (!r)
      throw new DeployError(
        `release ${key} has no revision ${revision} (kept: ${all.map((x) => x.revision).join(', ')})`,
      );
    return r;
  }
  const current = deployedRevision(history);
  const target = all
    .filter((x) => (current ? x.revision < current.revision : true))
    .filter((x) => x.status === 'superseded' || x.status === 'deployed')
    .at(-1);
  if (!target)
    throw new DeployError(
      `release ${key} has no earlier good revision to roll back to; name one: storefront rollback NAME REVISION`,
    );
  return target;
}
