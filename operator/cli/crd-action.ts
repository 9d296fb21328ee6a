// `storefront crd`: the CRD on stdout, as YAML (= crds/storefront.dev_storefronts.yaml) or JSON.
import { buildCrd, crdYaml } from '../api/crd.ts';
import { VERSION } from './program.ts';

export function printCrdAction(opts: { output: 'yaml' | 'json' }): number {
  process.stdout.write(
    opts.output === 'json' ? `${JSON.stringify(buildCrd(VERSION), null, 2)}\n` : crdYaml(VERSION),
  );
  return 0;
}
