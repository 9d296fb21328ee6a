// The Helm-style deployer commands (install, upgrade, rollback, history, status, list, diff,
// uninstall, crd install|upgrade). Registered by bin.ts. Wiring only: the work is in operator/deploy/.
// Every command ends the process itself with its documented exit code (0 ok, 1 error, 2 diff
// changes, 3 lock held, 4 timeout).
import { type Command, Option } from 'commander';
import { type ConnectOptions, connect } from '../deploy/context.ts';
import { applyCrd } from '../deploy/crd.ts';
import { computeDiff, formatDiff } from '../deploy/diff.ts';
import { DeployError, EXIT, exitCodeOf } from '../deploy/errors.ts';
import {
  clientDryRun,
  type InstallOptions,
  releaseNamespace,
  runInstall,
  storefrontForRelease,
} from '../deploy/install.ts';
import { history, list, status } from '../deploy/queries.ts';
import { runRollback } from '../deploy/rollback.ts';
import { runUninstall } from '../deploy/uninstall.ts';
import { loadStorefronts } from './load-spec.ts';

interface CommonFlags {
  kubeconfig?: string;
  namespace?: string;
}

interface ApplyFlags extends CommonFlags {
  file: string;
  createNamespace: boolean;
  wait: boolean;
  timeout: string;
  rollbackOnFailure: boolean;
  dryRun?: 'client' | 'server';
  takeOwnership: boolean;
  historyMax: string;
  install?: boolean;
}

export function parseDuration(flag: string, value: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(value);
  if (!m) throw new DeployError(`--${flag} must be a duration like 90s, 5m or 1h, got "${value}"`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function count(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new DeployError(`--${flag} must be an integer >= 0, got "${value}"`);
  return n;
}

/** Runs a command body and exits with its code; errors print one line (DEBUG=1 adds the stack). */
async function run(body: () => Promise<number | undefined>): Promise<never> {
  let code: number = EXIT.ok;
  try {
    code = (await body()) ?? EXIT.ok;
  } catch (e) {
    code = exitCodeOf(e);
    process.stderr.write(`error: ${(e as Error).message}\n`);
    if (process.env['DEBUG']) process.stderr.write(`${(e as Error).stack}\n`);
  }
  process.exit(code);
}

const connectOptions = (f: CommonFlags): ConnectOptions => ({
  ...(f.kubeconfig ? { kubeconfig: f.kubeconfig } : {}),
  ...(f.namespace ? { namespace: f.namespace } : {}),
});

function common(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option(
      '-n, --namespace <namespace>',
      "namespace of the release (default: the spec's, else the kubeconfig context's, else default)",
    );
}

function applyFlags(cmd: Command): Command {
  return common(cmd)
    .requiredOption(
      '-f, --file <file>',
      'Storefront spec (YAML or JSON; - for stdin); its metadata.name must be NAME',
    )
    .option('--create-namespace', 'create the namespace if it does not exist', false)
    .option(
      '--wait',
      "wait until the Storefront is ready (the operator's readiness: workloads available, volume bound, migration done, TLS present)",
      false,
    )
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .option(
      '--rollback-on-failure',
      'if applying or waiting fails, restore the last deployed revision',
      false,
    )
    .addOption(
      new Option(
        '--dry-run <mode>',
        'client: print the objects; server: have the API server validate them; nothing is stored',
      ).choices(['client', 'server']),
    )
    .option(
      '--take-ownership',
      'adopt existing objects that belong to no release, another release or a Storefront',
      false,
    )
    .option('--history-max <n>', 'revisions kept per release (0 = unlimited)', '10');
}

async function applyCommand(
  name: string,
  flags: ApplyFlags,
  command: 'install' | 'upgrade',
): Promise<number> {
  const sf = storefrontForRelease(loadStorefronts(flags.file), name, flags.file);
  const options: InstallOptions = {
    command,
    install: flags.install === true,
    createNamespace: flags.createNamespace,
    wait: flags.wait,
    timeoutMs: parseDuration('timeout', flags.timeout),
    rollbackOnFailure: flags.rollbackOnFailure,
    takeOwnership: flags.takeOwnership,
    historyMax: count('history-max', flags.historyMax),
    ...(flags.dryRun ? { dryRun: flags.dryRun } : {}),
  };
  if (options.rollbackOnFailure && !options.wait) {
    // Without waiting, only a failed apply can trigger the rollback.
    process.stderr.write('note: --rollback-on-failure without --wait rolls back only when applying fails\n');
  }
  if (flags.dryRun === 'client') {
    const ns = flags.namespace ?? sf.metadata.namespace ?? 'default';
    const { yaml, count: n } = clientDryRun(sf, ns);
    process.stdout.write(yaml);
    process.stderr.write(
      `dry run (client): ${n} objects would be applied to ${ns}; Secret values are not shown\n`,
    );
    return EXIT.ok;
  }
  const ctx = connect(connectOptions(flags));
  ctx.namespace = releaseNamespace(ctx, sf);
  await runInstall(ctx, sf, options);
  return EXIT.ok;
}

export function registerDeployCommands(program: Command): void {
  applyFlags(
    program.command('install <name>').description('install a Storefront as a release (revision 1)'),
  ).action((name: string, flags: ApplyFlags) => run(() => applyCommand(name, flags, 'install')));

  applyFlags(
    program.command('upgrade <name>').description('upgrade a release to a new spec (a new revision)'),
  )
    .option('-i, --install', 'install the release if it does not exist yet', false)
    .action((name: string, flags: ApplyFlags) => run(() => applyCommand(name, flags, 'upgrade')));

  common(
    program
      .command('rollback <name> [revision]')
      .description('restore an earlier revision (default: the one before the deployed one)'),
  )
    .option('--wait', 'wait until the Storefront is ready', false)
    .option('--timeout <duration>', 'how long --wait waits', '5m')
    .option('--history-max <n>', 'revisions kept per release (0 = unlimited)', '10')
    .option(
      '--take-ownership',
      'adopt existing objects that belong to no release, another release or a Storefront',
      false,
    )
    .action(
      (
        name: string,
        revision: string | undefined,
        flags: CommonFlags & { wait: boolean; timeout: string; historyMax: string; takeOwnership: boolean },
      ) =>
        run(async () => {
          const rev = revision === undefined ? undefined : count('revision', revision);
          const ctx = connect(connectOptions(flags));
          const r = await runRollback(ctx, name, rev || undefined, {
            wait: flags.wait,
            timeoutMs: parseDuration('timeout', flags.timeout),
            rollbackOnFailure: false,
            takeOwnership: flags.takeOwnership,
            historyMax: count('history-max', flags.historyMax),
          });
          ctx.out(`release ${ctx.namespace}/${name} revision ${r.revision}: ${r.status} (${r.description})`);
          return EXIT.ok;
        }),
    );

  const output = () =>
    new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table');

  common(program.command('history <name>').description('revisions of a release with their status'))
    .addOption(output())
    .action((name: string, flags: CommonFlags & { output: string }) =>
      run(async () => {
        await history(connect(connectOptions(flags)), name, flags.output === 'json');
        return EXIT.ok;
      }),
    );

  common(
    program
      .command('status <name>')
      .description('the newest revision of a release and the live readiness of each component'),
  )
    .addOption(output())
    .action((name: string, flags: CommonFlags & { output: string }) =>
      run(async () => {
        await status(connect(connectOptions(flags)), name, flags.output === 'json');
        return EXIT.ok;
      }),
    );

  common(program.command('list').description('releases in the namespace (-A: in every namespace)'))
    .option('-A, --all-namespaces', 'list releases in every namespace', false)
    .addOption(output())
    .action((flags: CommonFlags & { output: string; allNamespaces: boolean }) =>
      run(async () => {
        await list(connect(connectOptions(flags)), flags.allNamespaces, flags.output === 'json');
        return EXIT.ok;
      }),
    );

  common(
    program
      .command('diff <name>')
      .description('what an upgrade would change in the live cluster; exit 2 when something would change'),
  )
    .requiredOption('-f, --file <file>', 'Storefront spec (YAML or JSON; - for stdin)')
    .option('--no-color', 'never colour the output')
    .action((name: string, flags: CommonFlags & { file: string; color: boolean }) =>
      run(async () => {
        const sf = storefrontForRelease(loadStorefronts(flags.file), name, flags.file);
        const ctx = connect(connectOptions(flags));
        ctx.namespace = releaseNamespace(ctx, sf);
        const changes = await computeDiff(ctx, sf);
        process.stdout.write(formatDiff(changes, flags.color && process.stdout.isTTY === true));
        return changes.length ? EXIT.changes : EXIT.ok;
      }),
    );

  common(
    program
      .command('uninstall <name>')
      .description("delete a release's objects and history; data is kept unless deletionPolicy is Delete"),
  )
    .option('--keep-data', 'keep the database volume and credentials even with deletionPolicy Delete', false)
    .option('--keep-history', 'keep the release records (status shows it uninstalled)', false)
    .action((name: string, flags: CommonFlags & { keepData: boolean; keepHistory: boolean }) =>
      run(async () => {
        await runUninstall(connect(connectOptions(flags)), name, {
          keepData: flags.keepData,
          keepHistory: flags.keepHistory,
        });
        return EXIT.ok;
      }),
    );

  const crd = program.commands.find((c) => c.name() === 'crd') ?? program.command('crd');
  for (const verb of ['install', 'upgrade'] as const) {
    crd
      .command(verb)
      .description(
        `${verb} the Storefront CRD in the cluster (server-side apply, so upgrades really upgrade it)`,
      )
      .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
      .option('--timeout <duration>', 'how long to wait for the CRD to be served', '60s')
      .action((flags: CommonFlags & { timeout: string }) =>
        run(async () => {
          await applyCrd(connect(connectOptions(flags)), verb, parseDuration('timeout', flags.timeout));
          return EXIT.ok;
        }),
      );
  }
}
