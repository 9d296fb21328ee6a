#!/usr/bin/env node
// The `storefront` command. Wiring only: each command lives in its own module.
import { Command, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { crdYaml } from '../api/crd.ts';
import { loadStorefronts, SpecFileError } from './load-spec.ts';
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
  .command('crd')
  .description('print the Storefront CustomResourceDefinition')
  .action(() => {
    process.stdout.write(crdYaml(pkg.version));
  });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof SpecFileError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
