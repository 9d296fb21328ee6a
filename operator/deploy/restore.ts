// `storefront restore NEW --from <backup>`: a new release whose Storefront restores a backup
// before its app exists. The render holds the migration and the app back until the restore is done
// (render.ts: the restore Job succeeded or, in database mode cloudnativepg, the Cluster has a ready
// instance); the operator re-renders when that happens, the deployer has no loop, so this does it
// in two revisions: 1 applies the database and the restore Job (or the recovering Cluster), then
// waits for it; 2 is the same spec, now rendered with the migration and the app (and --wait, if
// asked, waits for those). A failed restore Job stops after revision 1 with the restore pod's own
// reason; nothing was restored and no app was started.
//
// `--source OLD` (restoreSource below) reads OLD's Storefront (the live object, else its deployed
// release) to find where its backups are: its bucket with its effective prefix when its backups go
// to s3 (and, in mode cloudnativepg, restore.from.storefront: OLD, whose Cluster is the Barman
// server), its backups volume otherwise.

import type { Storefront } from '../api/types.ts';
import { withDefaults } from '../api/validate.ts';
import { sleep } from '../core/clock.ts';
import type { KubeObject } from '../core/object.ts';
import { s3Prefix } from '../render/backup-s3.ts';
import { backupsClaimName, names } from '../render/names.ts';
import { failureCause } from '../status/failure-cause.ts';
import { waitForJob } from './backup.ts';
import type { DeployContext } from './context.ts';
import { DeployError, EXIT } from './errors.ts';
import { type InstallOptions, runInstall } from './install.ts';
import { liveStorefront } from './queries.ts';
import type { Release } from './release.ts';

export async function runRestore(
  ctx: DeployContext,
  sf: Storefront,
  options: InstallOptions,
): Promise<Release | undefined> {
  await runInstall(ctx, sf, { ...options, command: 'install', wait: false, rollbackOnFailure: false });
  if (sf.spec.database.mode === 'cloudnativepg') {
    await waitForRecovery(ctx, sf, options.timeoutMs);
    return runInstall(ctx, sf, { ...options, command: 'upgrade', install: false });
  }
  const job = names(sf).restore;
  ctx.err(
    `waiting for restore Job ${ctx.namespace}/${job}; the migration and the app follow once it succeeded`,
  );
  const { failed, message } = await waitForJob(ctx, job, 'restore', options.timeoutMs);
  if (failed)
    throw new DeployError(
      `restore Job ${ctx.namespace}/${job} failed: ${failed}${message ? `: ${failureCause(message)}` : ''}; release ${sf.metadata.name} stays at revision 1 with no app (uninstall it, fix the backup or --from, and restore again)`,
    );
  return runInstall(ctx, sf, { ...options, command: 'upgrade', install: false });
}

type ClusterObject = KubeObject & { status?: { readyInstances?: number; phase?: string } };

/**
 * Database mode cloudnativepg: CloudNativePG recovers while it bootstraps the Cluster and starts
 * the first instance only once recovery reached its target, so a ready instance is the restore's
 * success. A recovery that fails is not reported as such by the Cluster (it stays in a phase such as
 * "Setting up primary"): the timeout says so and names where CloudNativePG reports it.
 */
async function waitForRecovery(ctx: DeployContext, sf: Storefront, timeoutMs: number): Promise<void> {
  const name = names(sf).cnpgCluster;
  const ref = { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', namespace: ctx.namespace, name };
  ctx.err(
    `waiting for CloudNativePG to recover Cluster ${ctx.namespace}/${name} (a ready instance); the migration and the app follow once it has one`,
  );
  const deadline = ctx.clock.now() + timeoutMs;
  let phase: string | undefined;
  for (;;) {
    const cluster = await ctx.client.tryGet<ClusterObject>(ref);
    if ((cluster?.status?.readyInstances ?? 0) >= 1) return;
    phase = cluster?.status?.phase ?? phase;
    if (ctx.clock.now() >= deadline)
      throw new DeployError(
        `timed out waiting for CloudNativePG to recover Cluster ${ctx.namespace}/${name}${phase ? ` (phase: ${phase})` : ''}; release ${sf.metadata.name} stays at revision 1 with no app (see kubectl get jobs,pods -n ${ctx.namespace} -l cnpg.io/cluster=${name}; once an instance is ready, storefront upgrade with the same spec starts the app)`,
        EXIT.timeout,
      );
    await sleep(ctx.clock, Math.min(1000, Math.max(0, deadline - ctx.clock.now())));
  }
}

/** OLD's Storefront: the live object (the operator's), else the spec its deployed release applied. */
async function sourceStorefront(ctx: DeployContext, source: string): Promise<Storefront | undefined> {
  const live = await liveStorefront<KubeObject & { spec?: unknown }>(ctx, source);
  if (live?.spec) return withDefaults({ ...(live as Storefront), spec: live.spec });
  const revisions = await ctx.store.history(ctx.namespace, source);
  const deployed = revisions.filter((r) => r.release.status !== 'failed').at(-1);
  return deployed?.release.spec;
}

const bucketFields = (source: string) =>
  `spec.database.restore.from.s3 (endpoint, bucket, prefix: the prefix it wrote under, ${source}/ unless it set another, credentialsSecret, egress)`;

/**
 * What `--source OLD` adds to spec.database.restore.from of `target` (NEW's spec without it):
 *   - OLD found, backups to s3: s3 = OLD's destination with its effective prefix; in mode
 *     cloudnativepg also storefront: OLD (its Cluster OLD-postgres is the Barman server name);
 *   - OLD found, backups to a volume (or none set now): claimName OLD-backups, as before;
 *   - OLD gone: its backups volume when that exists (it outlives OLD by default); else, and always
 *     in mode cloudnativepg (its backups are in a bucket that cannot be found without OLD), an error
 *     saying what to pass;
 *   - restore.from.s3 given in the spec already: kept as given (cloudnativepg: storefront: OLD).
 * Mixing modes is refused: CloudNativePG's backups are physical, ours logical (pg_dump).
 */
export async function restoreSource(
  ctx: DeployContext,
  target: Storefront,
  source: string,
): Promise<Record<string, unknown>> {
  const cnpg = target.spec.database.mode === 'cloudnativepg';
  if (target.spec.database.restore?.from.s3) return cnpg ? { storefront: source } : {};
  const where = `namespace ${ctx.namespace}`;
  const old = await sourceStorefront(ctx, source);
  if (!old) {
    if (cnpg)
      throw new DeployError(
        `--source ${source}: no Storefront or release ${source} in ${where}, so where its backups are cannot be read from it; CloudNativePG restores from a bucket: pass ${bucketFields(source)} with -f or --set, and keep --source ${source} (it names the Barman server ${source}-postgres)`,
      );
    const claim = await ctx.client.tryGet({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      namespace: ctx.namespace,
      name: backupsClaimName(source),
    });
    if (!claim)
      throw new DeployError(
        `--source ${source}: neither a Storefront or release ${source} nor its backups volume ${backupsClaimName(source)} exists in ${where}; if its backups are in a bucket, pass ${bucketFields(source)} with -f or --set instead of --source`,
      );
    return { claimName: backupsClaimName(source) };
  }
  const oldMode = old.spec.database.mode;
  if ((oldMode === 'cloudnativepg') !== cnpg || oldMode === 'external')
    throw new DeployError(
      `--source ${source}: Storefront ${source} is in database mode ${oldMode} and ${target.metadata.name} in mode ${target.spec.database.mode}: ${oldMode === 'external' ? 'an external database has no Storefront backups' : "CloudNativePG's backups are physical (base backups and WAL) and only a Storefront in mode cloudnativepg restores them; those of mode managed are logical (pg_dump) and only a managed database restores them"}`,
    );
  const s3 = old.spec.database.backup?.destination.s3;
  if (s3) return { s3: { ...s3, prefix: s3Prefix(old, s3) }, ...(cnpg ? { storefront: source } : {}) };
  if (cnpg)
    throw new DeployError(
      `--source ${source}: Storefront ${source} has no spec.database.backup.destination.s3, so CloudNativePG has no backups of it to restore; pass ${bucketFields(source)} if they are in a bucket`,
    );
  return { claimName: backupsClaimName(source) };
}
