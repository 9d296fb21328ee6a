// Read-only views of releases: `history`, `list` and `get manifest|values`, as aligned tables or
// values for -o json|yaml. (`status` is in status-report.ts: it also covers kubectl-applied Storefronts.)
import type { KubeObject } from '../core/object.ts';
import { STOREFRONT_KIND } from '../observe/owned-kinds.ts';
import type { DeployContext } from './context.ts';
import { DeployError } from './errors.ts';
import { lockState } from './lock.ts';
import type { Release } from './release.ts';
import type { StoredRelease } from './release-store.ts';

/**
 * The Storefront object `name` in the context's namespace, or undefined when it does not exist or
 * the API server does not serve the Storefront kind (no CRD: releases do without it).
 */
export async function liveStorefront<T extends KubeObject = KubeObject>(
  ctx: DeployContext,
  name: string,
): Promise<T | undefined> {
  if (!(await ctx.client.resourceFor(STOREFRONT_KIND.apiVersion, STOREFRONT_KIND.kind))) return undefined;
  return ctx.client.tryGet<T>({ ...STOREFRONT_KIND, namespace: ctx.namespace, name });
}

/** Pure: left-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('   ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** What -o json|yaml shows of a revision: the record minus the bulky manifest (object refs only). */
export function releaseInfo(r: Release) {
  return {
    name: r.name,
    namespace: r.namespace,
    revision: r.revision,
    status: r.status,
    description: r.description,
    firstDeployed: r.firstDeployed,
    lastDeployed: r.lastDeployed,
    appliedBy: r.appliedBy,
    ...(r.rollbackOf ? { rollbackOf: r.rollbackOf } : {}),
    objects: r.objects.map((o) => `${o.kind}/${o.metadata.name}`),
  };
}

/** releaseInfo plus the lock, which lives on the stored record. */
export function summary(s: StoredRelease, now: Date) {
  const lock = lockState(s.release.status, s.secret.metadata.annotations, now);
  const { objects, ...info } = releaseInfo(s.release);
  return {
    ...info,
    ...(lock.held
      ? { lock: { holder: lock.holder, since: lock.since, heartbeat: lock.heartbeat, stale: lock.stale } }
      : {}),
    objects,
  };
}

const by = (r: Release) => `${r.appliedBy.user}@${r.appliedBy.host}`;

export async function history(ctx: DeployContext, name: string): Promise<StoredRelease[]> {
  const all = await ctx.store.history(ctx.namespace, name);
  if (!all.length) throw new DeployError(`release ${ctx.namespace}/${name} not found`);
  return all;
}

export function historyTable(all: StoredRelease[]): string {
  return table(
    ['REVISION', 'UPDATED', 'STATUS', 'BY', 'DESCRIPTION'],
    all.map(({ release: r }) => [String(r.revision), r.lastDeployed, r.status, by(r), r.description]),
  );
}

export function list(ctx: DeployContext, allNamespaces: boolean): Promise<StoredRelease[]> {
  // A record that cannot be read is named and skipped: one bad Secret hides no other release.
  return ctx.store.list(allNamespaces ? undefined : ctx.namespace, (problem) =>
    ctx.err(`warning: skipped: ${problem}`),
  );
}

export function listTable(all: StoredRelease[]): string {
  return table(
    ['NAMESPACE', 'NAME', 'REVISION', 'STATUS', 'UPDATED', 'HOST'],
    all.map(({ release: r }) => [
      r.namespace,
      r.name,
      String(r.revision),
      r.status,
      r.lastDeployed,
      r.spec.spec.host,
    ]),
  );
}

/** The named revision, else the newest; errors list the revisions kept. */
async function revisionOf(ctx: DeployContext, name: string, revision?: number): Promise<Release | undefined> {
  const all = await ctx.store.history(ctx.namespace, name);
  if (!all.length) return undefined;
  if (revision === undefined) return all.at(-1)!.release;
  const r = all.find((s) => s.release.revision === revision)?.release;
  if (!r)
    throw new DeployError(
      `release ${ctx.namespace}/${name} has no revision ${revision} (kept: ${all.map((s) => s.release.revision).join(', ')})`,
    );
  return r;
}

/** `get manifest`: the objects a revision applied (Secrets without values, as stored). */
export async function getManifest(
  ctx: DeployContext,
  name: string,
  revision?: number,
): Promise<KubeObject[]> {
  const r = await revisionOf(ctx, name, revision);
  if (r) return r.objects;
  const live = await ctx.client.tryGet({ ...STOREFRONT_KIND, namespace: ctx.namespace, name });
  throw new DeployError(
    live
      ? `${ctx.namespace}/${name} is a Storefront reconciled by the operator, not a release: it has no stored manifest (storefront template -f shows what it renders)`
      : `release ${ctx.namespace}/${name} not found`,
  );
}

/** `get values`: the Storefront a revision deployed; for a kubectl-applied Storefront, its live spec. */
export async function getValues(ctx: DeployContext, name: string, revision?: number): Promise<unknown> {
  const r = await revisionOf(ctx, name, revision);
  if (r) return r.spec;
  const live = await ctx.client.tryGet<KubeObject & { spec?: unknown }>({
    ...STOREFRONT_KIND,
    namespace: ctx.namespace,
    name,
  });
  if (!live) throw new DeployError(`no release or Storefront named ${name} in namespace ${ctx.namespace}`);
  if (revision !== undefined)
    throw new DeployError(`${ctx.namespace}/${name} is a Storefront, not a release: it has no revisions`);
  return {
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: { name, namespace: ctx.namespace },
    spec: live.spec,
  };
}
