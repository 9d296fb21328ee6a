#!/usr/bin/env node
// The `storefront` command. Wiring only: each command lives in its own module.
import { Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { crdYaml } from '../api/crd.ts';
import { registerDeployCommands } from './deploy-commands.ts';
import { loadStorefronts, SpecFileError } from './load-spec.ts';
import { type OperatorFlags, runOperatorCommand } from './operator-command.ts';
import { formatObjects, templateObjects } from './template.ts';

const program = new Command('storefront')
  .description('Deploy and operate complete, secure e-commerce stacks on Kubernetes')
  .version(pkg.version)
  .showHelpAfterError();

program
  .command('template')
  .description('render a Storefront spec to Kubernetes objects on stdout (no cluster needed)')
  .requiredOption('-f, --file <file>', 'Storefront spec (YAML or JSON; - for stdin)')
  .option('-n, --namespace <namespace>', 'namespace to render into (default: the spec\'s, else "default")')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['yaml', 'json']).default('yaml'))
  .option('--include-secrets', 'also print generated credential Secrets, with fresh random values', false)
  .action((opts: { file: string; namespace?: string; output: 'yaml' | 'json'; includeSecrets: boolean }) => {
    const storefronts = loadStorefronts(opts.file);
    const { objects, notes } = templateObjects(storefronts, opts);
    process.stdout.write(formatObjects(objects, opts.output));
    for (const note of notes) process.stderr.write(`${note}\n`);
  });

program
  .command('operator')
  .description('run the Storefront operator against the current kubeconfig (or in-cluster config)')
  .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
  .option('-n, --namespace <namespace>', 'watch only this namespace (default: all namespaces)')
  .option('--concurrency <n>', 'Storefronts reconciled in parallel', '4')
  .option('--no-leader-elect', 'do not take a Lease before reconciling (only for a single replica)')
  .option('--lease-namespace <namespace>', 'namespace of the leader-election Lease (default: $POD_NAMESPACE)')
  .option('--health-port <port>', 'port of /healthz, /readyz and /metrics', '8081')
  .option('--resync <duration>', 'periodic re-check of every Ready Storefront', '10m')
  .option('--qps <n>', 'client-side API request rate', '50')
  .option('--burst <n>', 'client-side API request burst', '100')
  .action(async (flags: OperatorFlags) => {
    await runOperatorCommand(flags);
  });

program
  .command('crd')
  .description('print the Storefront CustomResourceDefinition')
  .action(() => {
    process.stdout.write(crdYaml(pkg.version));
  });

registerDeployCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  // Expected failures (bad spec, bad flag, API errors) print one clear message; DEBUG=1 adds the stack.
  process.stderr.write(`error: ${(e as Error).message}\n`);
  if (process.env.DEBUG && !(e instanceof SpecFileError)) process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
}
