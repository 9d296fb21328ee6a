// The actions of the cluster commands (install, upgrade, rollback, history, status, list, get,
// diff, uninstall, crd install|upgrade), loaded only when one of them runs. Wiring only: the work
// is in operator/deploy/. Each returns its documented exit code (0 ok, 1 error, 2 diff changes,
// 3 lock held, 4 timeout); DeployErrors carry theirs.
import { dateOf } from '../core/clock.ts';
import { runBackupCreate, runBackupList } from '../deploy/backup.ts';
import { listingTable } from '../deploy/backup-listing.ts';
import { type ConnectOptions, connect } from '../deploy/context.ts';
import { applyCrd } from '../deploy/crd.ts';
import { computeDiff, formatDiff } from '../deploy/diff.ts';
import { doctor, formatFindings } from '../deploy/doctor.ts';
import { DeployError, EXIT } from '../deploy/errors.ts';
import {
  clientDryRun,
  type InstallOptions,
  releaseNamespace,
  runInstall,
  storefrontForRelease,
} from '../deploy/install.ts';
import {
  getManifest,
  getValues,
  history,
  historyTable,
  list,
  listTable,
  liveStorefront,
  releaseInfo,
  summary,
} from '../deploy/queries.ts';
import { restoreSource, runRestore } from '../deploy/restore.ts';
import { runRollback } from '../deploy/rollback.ts';
import { formatStatus, statusReport } from '../deploy/status-report.ts';
import { runUninstall } from '../deploy/uninstall.ts';
import { parseDuration } from './duration.ts';
import { formatValue, useColor } from './output.ts';
import { type SpecFlags, storefrontsOf } from './template-action.ts';

interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
}

type Output = 'table' | 'json' | 'yaml';

interface ApplyFlags extends ClusterFlags, SpecFlags {
  createNamespace: boolean;
  wait: boolean;
  timeout: string;
  rollbackOnFailure: boolean;
  dryRun?: 'client' | 'server';
  takeOwnership: boolean;
  historyMax: string;
  install?: boolean;
  output: Output;
}

function count(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new DeployError(`--${flag} must be an integer >= 0, got "${value}"`);
  return n;
}

const connectOptions = (f: ClusterFlags): ConnectOptions => ({
  ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}),
  ...(f.context ? { context: f.context } : {}),
  ...(f.namespace ? { namespace: f.namespace } : {}),
});

function specFor(name: string, flags: SpecFlags) {
  if (!flags.file?.length)
    throw new DeployError('missing -f FILE: the Storefront spec to deploy (- for stdin)');
  return storefrontForRelease(storefrontsOf(flags), name, flags.file.join(' + '));
}

/** Prints a value as -o json|yaml; false for -o table (the caller prints its table). */
function printed(value: unknown, output: Output): boolean {
  if (output === 'table') return false;
  process.stdout.write(formatValue(value, output));
  return true;
}

/** The install/upgrade options every applying command (install, upgrade, restore) reads from its flags. */
function installOptions(flags: ApplyFlags, command: 'install' | 'upgrade', install: boolean): InstallOptions {
  return {
    command,
    install,
    createNamespace: flags.createNamespace,
    wait: flags.wait,
    timeoutMs: parseDuration('timeout', flags.timeout),
    rollbackOnFailure: flags.rollbackOnFailure,
    takeOwnership: flags.takeOwnership,
    historyMax: count('history-max', flags.historyMax),
  };
}

async function apply(name: string, flags: ApplyFlags, command: 'install' | 'upgrade'): Promise<number> {
  const sf = specFor(name, flags);
  const options: InstallOptions = {
    ...installOptions(flags, command, flags.install === true),
    ...(flags.dryRun ? { dryRun: flags.dryRun } : {}),
  };
  if (options.rollbackOnFailure && !options.wait) {
    // Without waiting, only a failed apply can trigger the rollback.
    process.stderr.write('note: --rollback-on-failure without --wait rolls back only when applying fails\n');
  }
  if (flags.dryRun === 'client') {
    const ns = flags.namespace ?? sf.metadata.namespace ?? 'default';
    const { objects, yaml } = clientDryRun(sf, ns);
    if (flags.output === 'json')
      process.stdout.write(formatValue({ apiVersion: 'v1', kind: 'List', items: objects }, 'json'));
    else process.stdout.write(yaml);
    process.stderr.write(
      `dry run (client): ${objects.length} objects would be applied to ${ns}; Secret values are not shown\n`,
    );
    return EXIT.ok;
  }
  const ctx = connect(connectOptions(flags));
  ctx.namespace = releaseNamespace(ctx, sf);
  if (flags.output !== 'table') ctx.out = () => {};
  const release = await runInstall(ctx, sf, options);
  if (release) printed(releaseInfo(release), flags.output);
  return EXIT.ok;
}

export const installAction = (name: string, flags: ApplyFlags) => apply(name, flags, 'install');

/**
 * `storefront restore NAME --from B [--source OLD]`: a new release whose spec gets
 * database.restore.from (backup B; with --source, where OLD's backups are: its bucket and prefix,
 * or its backups volume; deploy/restore.ts restoreSource), installed in two revisions
 * (deploy/restore.ts). A restore only ever goes into a new, empty database: an existing release
 * or Storefront of that name is refused, and restore.sh refuses a database that holds tables.
 * --source reads OLD from the cluster, so it needs one even with --dry-run=client.
 */
export async function restoreAction(
  name: string,
  flags: ApplyFlags & { from: string; source?: string },
): Promise<number> {
  const withBackup = {
    ...flags,
    setString: [...(flags.setString ?? []), `spec.database.restore.from.backup=${flags.from}`],
  };
  let ctx: ReturnType<typeof connect> | undefined;
  let withRestore: ApplyFlags = withBackup;
  if (flags.source) {
    // NEW's spec without the restore tells the namespace and the database mode; OLD's where.
    const base = specFor(name, flags);
    ctx = connect(connectOptions(flags));
    ctx.namespace = releaseNamespace(ctx, base);
    const from = await restoreSource(ctx, base, flags.source);
    const assignments = Object.entries(from).map(([key, value]) => ({
      path: ['spec', 'database', 'restore', 'from', key],
      value,
      source: `--source ${flags.source}`,
    }));
    withRestore = { ...withBackup, assignments };
  }
  if (flags.dryRun) return apply(name, withRestore, 'install');
  const sf = specFor(name, withRestore);
  if (!ctx) {
    ctx = connect(connectOptions(flags));
    ctx.namespace = releaseNamespace(ctx, sf);
  }
  const live = await liveStorefront(ctx, name);
  const release = (await ctx.store.history(ctx.namespace, name)).some((h) => h.release.status !== 'failed');
  if (live || release)
    throw new DeployError(
      `${release ? 'release' : 'Storefront'} ${ctx.namespace}/${name} exists already: a backup is restored into a new Storefront only (its empty database); pick a new name and move the host over once it is Ready`,
    );
  if (flags.output !== 'table') ctx.out = () => {};
  const result = await runRestore(ctx, sf, installOptions(flags, 'install', false));
  if (result) printed(releaseInfo(result), flags.output);
  return EXIT.ok;
}
export const upgradeAction = (name: string, flags: ApplyFlags) => apply(name, flags, 'upgrade');

export async function rollbackAction(
  name: string,
  revision: string | undefined,
  flags: ClusterFlags & {
    wait: boolean;
    timeout: string;
    historyMax: string;
    takeOwnership: boolean;
    output: Output;
  },
): Promise<number> {
  const rev = revision === undefined ? undefined : count('revision', revision);
  const options = {
    wait: flags.wait,
    timeoutMs: parseDuration('timeout', flags.timeout),
    rollbackOnFailure: false,
    takeOwnership: flags.takeOwnership,
    historyMax: count('history-max', flags.historyMax),
  };
  const ctx = connect(connectOptions(flags));
  const r = await runRollback(ctx, name, rev || undefined, options);
  if (!printed(releaseInfo(r), flags.output))
    ctx.out(`release ${ctx.namespace}/${name} revision ${r.revision}: ${r.status} (${r.description})`);
  return EXIT.ok;
}

export async function historyAction(name: string, flags: ClusterFlags & { output: Output }): Promise<number> {
  const ctx = connect(connectOptions(flags));
  const all = await history(ctx, name);
  if (
    !printed(
      all.map((s) => summary(s, dateOf(ctx.clock))),
      flags.output,
    )
  )
    ctx.out(historyTable(all));
  return EXIT.ok;
}

export async function listAction(
  flags: ClusterFlags & { output: Output; allNamespaces: boolean },
): Promise<number> {
  const ctx = connect(connectOptions(flags));
  const all = await list(ctx, flags.allNamespaces);
  if (
    !printed(
      all.map((s) => summary(s, dateOf(ctx.clock))),
      flags.output,
    )
  )
    ctx.out(listTable(all));
  return EXIT.ok;
}

export async function doctorAction(
  name: string | undefined,
  flags: ClusterFlags & { output: 'table' | 'json'; file?: string },
): Promise<number> {
  const file = flags.file === undefined ? undefined : storefrontsOf({ file: [flags.file] });
  if (file && file.length !== 1)
    throw new DeployError(`${flags.file} holds ${file.length} Storefronts; doctor -f judges one`);
  const ctx = connect(connectOptions(flags));
  const findings = await doctor(ctx, name, file?.[0]);
  if (flags.output === 'json')
    process.stdout.write(formatValue({ namespace: ctx.namespace, findings }, 'json'));
  else ctx.out(formatFindings(findings).trimEnd());
  return findings.some((f) => f.level === 'FAIL') ? EXIT.error : EXIT.ok;
}

export async function statusAction(
  name: string,
  flags: ClusterFlags & { output: Output; color: boolean },
): Promise<number> {
  const ctx = connect(connectOptions(flags));
  const report = await statusReport(ctx, name, dateOf(ctx.clock));
  if (!printed(report, flags.output))
    ctx.out(formatStatus(report, useColor(process.stdout, flags.color), dateOf(ctx.clock)));
  return EXIT.ok;
}

export function getAction(what: 'manifest' | 'values') {
  return async (
    name: string,
    flags: ClusterFlags & { output: 'yaml' | 'json'; revision?: string },
  ): Promise<number> => {
    const ctx = connect(connectOptions(flags));
    const revision = flags.revision === undefined ? undefined : count('revision', flags.revision);
    if (what === 'values') {
      process.stdout.write(formatValue(await getValues(ctx, name, revision), flags.output));
    } else {
      const objects = await getManifest(ctx, name, revision);
      process.stdout.write(
        flags.output === 'json'
          ? formatValue({ apiVersion: 'v1', kind: 'List', items: objects }, 'json')
          : objects.map((o) => formatValue(o, 'yaml')).join('---\n'),
      );
    }
    return EXIT.ok;
  };
}

export async function diffAction(
  name: string,
  flags: ClusterFlags & SpecFlags & { color: boolean },
): Promise<number> {
  const sf = specFor(name, flags);
  const ctx = connect(connectOptions(flags));
  ctx.namespace = releaseNamespace(ctx, sf);
  const changes = await computeDiff(ctx, sf);
  process.stdout.write(formatDiff(changes, useColor(process.stdout, flags.color)));
  return changes.length ? EXIT.changes : EXIT.ok;
}

export async function uninstallAction(
  name: string,
  flags: ClusterFlags & { keepData: boolean; keepHistory: boolean },
): Promise<number> {
  await runUninstall(connect(connectOptions(flags)), name, {
    keepData: flags.keepData,
    keepHistory: flags.keepHistory,
  });
  return EXIT.ok;
}

export function crdApplyAction(verb: 'install' | 'upgrade') {
  return async (flags: ClusterFlags & { timeout: string }): Promise<number> => {
    await applyCrd(connect(connectOptions(flags)), verb, parseDuration('timeout', flags.timeout));
    return EXIT.ok;
  };
}

export async function backupCreateAction(
  name: string,
  flags: ClusterFlags & { timeout: string; output: Output },
): Promise<number> {
  const ctx = connect(connectOptions(flags));
  const result = await runBackupCreate(ctx, name, { timeoutMs: parseDuration('timeout', flags.timeout) });
  if (!printed({ namespace: ctx.namespace, ...result }, flags.output))
    ctx.out(
      `backup Job ${ctx.namespace}/${result.job} succeeded${result.message ? `: ${result.message}` : ''}`,
    );
  return EXIT.ok;
}

export async function backupListAction(
  name: string,
  flags: ClusterFlags & { timeout: string; output: 'table' | 'json' },
): Promise<number> {
  const ctx = connect(connectOptions(flags));
  const {
    job: _job,
    claim,
    ...listing
  } = await runBackupList(ctx, name, {
    timeoutMs: parseDuration('timeout', flags.timeout),
  });
  if (!printed({ namespace: ctx.namespace, storefront: name, claim, ...listing }, flags.output))
    process.stdout.write(listingTable(listing, claim));
  return EXIT.ok;
}
