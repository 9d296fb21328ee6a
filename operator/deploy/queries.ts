// Read-only views of releases: `history`, `status` (with live readiness from computeStatus) and
// `list`, as aligned tables or `-o json`.
import type { StorefrontStatus } from '../api/types.ts';
import { dateOf } from '../core/clock.ts';
import { observe } from '../observe/children.ts';
import { getReader } from '../observe/reader.ts';
import { computeStatus } from '../status/conditions.ts';
import type { DeployContext } from './context.ts';
import { DeployError } from './errors.ts';
import { lockState } from './lock.ts';
import type { Release } from './release.ts';
import type { StoredRelease } from './release-store.ts';

/** Pure: left-aligned columns. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('   ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** What `-o json` shows of a revision: the record minus the bulky manifest (object refs only). */
export function summary(s: StoredRelease, now: Date) {
  const r = s.release;
  const lock = lockState(r.status, s.secret.metadata.annotations, now);
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
    ...(lock.held
      ? { lock: { holder: lock.holder, since: lock.since, heartbeat: lock.heartbeat, stale: lock.stale } }
      : {}),
    objects: r.objects.map((o) => `${o.kind}/${o.metadata.name}`),
  };
}

/** `-o json` of history and list. */
function printSummaries(ctx: DeployContext, all: readonly StoredRelease[]): void {
  const now = dateOf(ctx.clock);
  ctx.out(
    JSON.stringify(
      all.map((s) => summary(s, now)),
      null,
      2,
    ),
  );
}

const by = (r: Release) => `${r.appliedBy.user}@${r.appliedBy.host}`;

export async function history(ctx: DeployContext, name: string, json: boolean): Promise<void> {
  const all = await ctx.store.history(ctx.namespace, name);
  if (!all.length) throw new DeployError(`release ${ctx.namespace}/${name} not found`);
  if (json) return printSummaries(ctx, all);
  ctx.out(
    table(
      ['REVISION', 'UPDATED', 'STATUS', 'BY', 'DESCRIPTION'],
      all.map(({ release: r }) => [String(r.revision), r.lastDeployed, r.status, by(r), r.description]),
    ),
  );
}

export async function status(ctx: DeployContext, name: string, json: boolean): Promise<void> {
  const all = await ctx.store.history(ctx.namespace, name);
  const latest = all.at(-1);
  if (!latest) throw new DeployError(`release ${ctx.namespace}/${name} not found`);
  const live: StorefrontStatus = computeStatus(
    latest.release.spec,
    await observe(getReader(ctx.client), latest.release.spec, ctx.namespace),
    dateOf(ctx.clock),
  );
  const s = summary(latest, dateOf(ctx.clock));
  if (json) return ctx.out(JSON.stringify({ ...s, live }, null, 2));
  const lines = [
    `NAME: ${s.name}`,
    `NAMESPACE: ${s.namespace}`,
    `REVISION: ${s.revision}`,
    `STATUS: ${s.status}`,
    `DESCRIPTION: ${s.description}`,
    `LAST DEPLOYED: ${s.lastDeployed} by ${latest.release.appliedBy.user}@${latest.release.appliedBy.host} (storefront ${latest.release.appliedBy.cliVersion})`,
  ];
  if (s.lock)
    lines.push(
      `LOCK: held by ${s.lock.holder} since ${s.lock.since}${s.lock.stale ? ' (stale: the next command takes it over)' : ''}`,
    );
  lines.push(`URL: ${live.url}`, 'COMPONENTS:');
  for (const c of live.conditions ?? [])
    lines.push(`  ${c.type.padEnd(14)} ${c.status.padEnd(5)} ${c.reason}: ${c.message}`);
  ctx.out(lines.join('\n'));
}

export async function list(ctx: DeployContext, allNamespaces: boolean, json: boolean): Promise<void> {
  const all = await ctx.store.list(allNamespaces ? undefined : ctx.namespace, (problem) =>
    ctx.err(`warning: skipped: ${problem}`),
  );
  if (json) return printSummaries(ctx, all);
  ctx.out(
    table(
      ['NAMESPACE', 'NAME', 'REVISION', 'STATUS', 'UPDATED', 'HOST'],
      all.map(({ release: r }) => [
        r.namespace,
        r.name,
        String(r.revision),
        r.status,
        r.lastDeployed,
        r.spec.spec.host,
      ]),
    ),
  );
}
