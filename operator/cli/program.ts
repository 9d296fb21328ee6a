// The `storefront` command tree: every command, flag and help text, and nothing else. This module
// loads only commander; each action imports the code it runs when it runs, so `--version`,
// `template` and `crd` never load @kubernetes/client-node (start-up is most of a CLI's time).
import { Argument, Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;

const collect = (value: string, previous: string[] = []) => [...previous, value];

const KUBECONFIG_HELP =
  'kubeconfig file (default: the $KUBECONFIG list merged, else ~/.kube/config, else in-cluster)';

/** --kubeconfig, --context and -n, with the -n help of this command. */
function clusterFlags(cmd: Command, namespaceHelp?: string): Command {
  cmd
    .option('--kubeconfig <file>', KUBECONFIG_HELP)
    .option('--context <name>', 'kubeconfig context to use (default: its current-context)');
  if (namespaceHelp) cmd.option('-n, --namespace <namespace>', namespaceHelp);
  return cmd;
}

/** -f (repeatable, layered in order), --set and --set-string. */
function specFlags(cmd: Command, fileHelp: string): Command {
  return cmd
    .option('-f, --file <file>', `${fileHelp}; repeat to layer files in order (later wins)`, collect)
    .option(
      '--set <path=value>',
      'set a field of the Storefront document, e.g. spec.app.replicas=3 (repeatable; comma-separated)',
      collect,
    )
    .option('--set-string <path=value>', 'like --set, but the value is always a string', collect);
}

function outputFlag(cmd: Command, choices: string[], fallback: string): Command {
  return cmd.addOption(
    new Option('-o, --output <format>', 'output format').choices(choices).default(fallback),
  );
}

const RELEASE_NS =
  "namespace of the release (default: the spec's metadata.namespace, else the context's, else default)";
const EXISTING_NS =
  "namespace of the release or Storefront (default: the kubeconfig context's, else default)";

function applyFlags(cmd: Command): Command {
  clusterFlags(cmd, RELEASE_NS);
  specFlags(cmd, 'Storefront spec (YAML or JSON; - for stdin); its metadata.name must be NAME');
  cmd
    .option('--create-namespace', 'create the namespace if it does not exist', false)
    .option(
      '--wait',
      "wait until the Storefront is ready (the operator's readiness: workloads available, volume bound, migration done, TLS present)",
      false,
    )
    .option('--timeout <duration>', 'how long --wait waits (a Go duration: 90s, 5m0s, 1m30s)', '5m0s')
    .option(
      '--rollback-on-failure',
      'if applying or waiting fails, restore the last deployed revision',
      false,
    )
    .addOption(
      new Option(
        '--dry-run <mode>',
        'client (also --dry-run alone): print the objects; server: have the API server validate them; nothing is stored',
      ).choices(['client', 'server']),
    )
    .option(
      '--take-ownership',
      'adopt existing objects that belong to no release, another release or a Storefront',
      false,
    )
    .option('--history-max <n>', 'revisions kept per release (0 = unlimited)', '10');
  return outputFlag(cmd, ['table', 'json', 'yaml'], 'table');
}

/** An action as its module exports it: typed parameters, an exit code (or nothing) as result. */
// biome-ignore lint/suspicious/noExplicitAny: commander passes the parsed arguments untyped
type Action = (...args: any[]) => unknown;

/** Wraps an action loaded on demand; its result (a number) becomes the exit code. */
function lazy(load: () => Promise<Action>): (...args: unknown[]) => Promise<void> {
  return async (...args) => {
    const action = await load();
    const code = await action(...args);
    if (typeof code === 'number') process.exitCode = code;
  };
}

const deploy = () => import('./deploy-actions.ts');

export function buildProgram(): Command {
  const program = new Command('storefront')
    .description('Deploy and operate complete, secure e-commerce stacks on Kubernetes')
    .version(VERSION, '-V, --version', 'print the version')
    .showHelpAfterError();

  outputFlag(
    program.command('version').description('print the version of storefront, its API and its runtime'),
    ['text', 'json', 'yaml'],
    'text',
  )
    .option('--short', 'print the version number only', false)
    .action(lazy(async () => (await import('./version.ts')).versionAction));

  const template = program
    .command('template')
    .description('render a Storefront spec to Kubernetes objects on stdout (no cluster needed)');
  specFlags(template, 'Storefront spec (YAML or JSON; - for stdin)')
    .option('-n, --namespace <namespace>', 'namespace to render into (default: the spec\'s, else "default")')
    .option('--include-secrets', 'also print generated credential Secrets, with fresh random values', false)
    .option('-q, --quiet', 'print no notes on stderr (only errors)', false);
  outputFlag(template, ['yaml', 'json'], 'yaml').action(
    lazy(async () => (await import('./template-action.ts')).templateAction),
  );

  const crd = program.command('crd').description('print the Storefront CustomResourceDefinition');
  outputFlag(crd, ['yaml', 'json'], 'yaml').action(
    lazy(async () => (await import('./crd-action.ts')).printCrdAction),
  );
  for (const verb of ['install', 'upgrade'] as const) {
    clusterFlags(
      crd
        .command(verb)
        .description(
          `${verb} the Storefront CRD in the cluster (server-side apply, so upgrades really upgrade it)`,
        ),
    )
      .option('--timeout <duration>', 'how long to wait for the CRD to be served (a Go duration)', '60s')
      .action(lazy(async () => (await deploy()).crdApplyAction(verb)));
  }

  clusterFlags(
    program
      .command('operator')
      .description('run the Storefront operator against the current kubeconfig (or in-cluster config)'),
    'watch only this namespace (default: all namespaces)',
  )
    .option('--concurrency <n>', 'Storefronts reconciled in parallel', '4')
    .option('--no-leader-elect', 'do not take a Lease before reconciling (only for a single replica)')
    .option(
      '--lease-namespace <namespace>',
      'namespace of the leader-election Lease (default: $POD_NAMESPACE)',
    )
    .option('--health-port <port>', 'port of /healthz, /readyz and /metrics', '8081')
    .option('--resync <duration>', 'periodic re-check of every Ready Storefront (a Go duration)', '10m')
    .option('--qps <n>', 'client-side API request rate', '50')
    .option('--burst <n>', 'client-side API request burst', '100')
    .action(lazy(async () => (await import('./operator-command.ts')).runOperatorCommand));

  applyFlags(
    program.command('install <name>').description('install a Storefront as a release (revision 1)'),
  ).action(lazy(async () => (await deploy()).installAction));

  applyFlags(
    program.command('upgrade <name>').description('upgrade a release to a new spec (a new revision)'),
  )
    .option('-i, --install', 'install the release if it does not exist yet', false)
    .action(lazy(async () => (await deploy()).upgradeAction));

  outputFlag(
    clusterFlags(
      program
        .command('rollback <name> [revision]')
        .description('restore an earlier revision (default: the one before the deployed one)'),
      EXISTING_NS,
    )
      .option('--wait', 'wait until the Storefront is ready', false)
      .option('--timeout <duration>', 'how long --wait waits (a Go duration)', '5m0s')
      .option('--history-max <n>', 'revisions kept per release (0 = unlimited)', '10')
      .option(
        '--take-ownership',
        'adopt existing objects that belong to no release, another release or a Storefront',
        false,
      ),
    ['table', 'json', 'yaml'],
    'table',
  ).action(lazy(async () => (await deploy()).rollbackAction));

  outputFlag(
    clusterFlags(
      program.command('history <name>').description('revisions of a release with their status'),
      EXISTING_NS,
    ),
    ['table', 'json', 'yaml'],
    'table',
  ).action(lazy(async () => (await deploy()).historyAction));

  outputFlag(
    clusterFlags(
      program
        .command('status <name>')
        .description(
          'a Storefront (a release or one applied with kubectl): conditions, pods, images, migration, URL, recent warnings',
        ),
      EXISTING_NS,
    ).option('--no-color', 'never colour the output (also: NO_COLOR, or output that is not a terminal)'),
    ['table', 'json', 'yaml'],
    'table',
  ).action(lazy(async () => (await deploy()).statusAction));

  outputFlag(
    clusterFlags(
      program
        .command('doctor [name]')
        .description(
          'preflight: API server, CRD, operator and its lease, your RBAC, optional APIs, IngressClass and ingress-nginx headers, default StorageClass, Pod Security; judged against NAME (its release, else its object: also its conditions, failing pods and events) or -f FILE; what it needs and the cluster lacks fails (exit 1 on FAIL)',
        )
        .option(
          '-f, --file <file>',
          'judge the cluster against this Storefront spec before installing it (- for stdin)',
        ),
      "namespace to check (default: the kubeconfig context's, else default)",
    ),
    ['table', 'json'],
    'table',
  ).action(lazy(async () => (await deploy()).doctorAction));

  outputFlag(
    clusterFlags(
      program.command('list').description('releases in the namespace (-A: in every namespace)'),
      "namespace to list (default: the kubeconfig context's, else default)",
    ).option('-A, --all-namespaces', 'list releases in every namespace', false),
    ['table', 'json', 'yaml'],
    'table',
  ).action(lazy(async () => (await deploy()).listAction));

  const get = program
    .command('get')
    .description('what a release holds: its manifest or its values (the Storefront)');
  for (const what of ['manifest', 'values'] as const) {
    outputFlag(
      clusterFlags(
        get
          .command(`${what} <name>`)
          .description(
            what === 'manifest'
              ? 'the objects a revision applied (Secret values are never stored)'
              : 'the Storefront a revision deployed (for a Storefront applied with kubectl: its live spec)',
          ),
        EXISTING_NS,
      ).option('--revision <n>', 'this revision instead of the newest'),
      ['yaml', 'json'],
      'yaml',
    ).action(lazy(async () => (await deploy()).getAction(what)));
  }

  specFlags(
    clusterFlags(
      program
        .command('diff <name>')
        .description('what an upgrade would change in the live cluster; exit 2 when something would change'),
      RELEASE_NS,
    ),
    'Storefront spec (YAML or JSON; - for stdin)',
  )
    .option('--no-color', 'never colour the output (also: NO_COLOR, or output that is not a terminal)')
    .action(lazy(async () => (await deploy()).diffAction));

  clusterFlags(
    program
      .command('uninstall <name>')
      .description("delete a release's objects and history; data is kept unless deletionPolicy is Delete"),
    EXISTING_NS,
  )
    .option('--keep-data', 'keep the database volume and credentials even with deletionPolicy Delete', false)
    .option(
      '--keep-history',
      "keep the release records (history then ends with 'Uninstalled (history kept)')",
      false,
    )
    .action(lazy(async () => (await deploy()).uninstallAction));

  const backup = program
    .command('backup')
    .description("backups of a Storefront's managed database (spec.database.backup)");
  outputFlag(
    clusterFlags(
      backup
        .command('create <name>')
        .description(
          'run one backup now from the backup CronJob <name>-backup, wait for it and print its result',
        ),
      EXISTING_NS,
    ).option('--timeout <duration>', 'how long to wait for the backup (a Go duration)', '10m0s'),
    ['table', 'json', 'yaml'],
    'table',
  ).action(lazy(async () => (await deploy()).backupCreateAction));
  outputFlag(
    clusterFlags(
      backup
        .command('list <name>')
        .description(
          'list the backups on the backups volume (name, time, status, size, age, Postgres and app version), read by a short read-only Job',
        ),
      EXISTING_NS,
    ).option('--timeout <duration>', 'how long to wait for the listing Job (a Go duration)', '2m0s'),
    ['table', 'json'],
    'table',
  ).action(lazy(async () => (await deploy()).backupListAction));

  applyFlags(
    program
      .command('restore <name>')
      .description(
        'install a new Storefront NAME (revision 1) that restores a backup before its app starts (spec.database.restore.from); never restores over an existing Storefront',
      ),
  )
    .requiredOption(
      '--from <backup>',
      'the backup to restore: its name (as backup list shows; in database mode cloudnativepg a Barman backup ID such as 20261201T031500) or latest',
    )
    .option(
      '--source <storefront>',
      "restore that Storefront's backups (default: NAME's own): read from the cluster, its bucket and prefix when it backs up to s3 (cloudnativepg: also its Cluster as the Barman server), else its backups volume <storefront>-backups",
    )
    .action(lazy(async () => (await deploy()).restoreAction));

  program
    .command('completion')
    .description('print a shell completion script: source <(storefront completion bash)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .action(
      lazy(async () => {
        const { completionScript } = await import('./completion.ts');
        return (shell: 'bash' | 'zsh' | 'fish') => {
          process.stdout.write(completionScript(program, shell));
        };
      }),
    );

  return program;
}

/**
 * kubectl and helm read a bare `--dry-run` as `--dry-run=client`; a following word is never its
 * value (`--dry-run server` is not `--dry-run=server`).
 */
export function normalizeArgv(argv: string[]): string[] {
  return argv.map((a) => (a === '--dry-run' ? '--dry-run=client' : a));
}

/** Runs the command line; returns the exit code (errors print one line, DEBUG=1 adds the stack). */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(normalizeArgv(argv));
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    if (process.env['DEBUG']) process.stderr.write(`${(e as Error).stack}\n`);
    const code = (e as { exitCode?: unknown }).exitCode;
    return typeof code === 'number' ? code : 1;
  }
}
