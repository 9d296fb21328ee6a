// What each command loads, read from the bundle's static import graph: no command loads
// @kubernetes/client-node (it was most of every command's start-up) unless the kubeconfig needs an
// auth plugin (operator/kube/delegated-auth.ts, imported on demand).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, META_FILE } from './build-cli.ts';

type Meta = Record<string, { imports: string[]; inputs: string[] }>;
let meta: Meta;
const dist = join(mkdtempSync(join(tmpdir(), 'sf-build-cli-')), 'cli');

beforeAll(async () => {
  await buildCli(dist);
  meta = JSON.parse(readFileSync(join(dist, META_FILE), 'utf8'));
}, 120_000);

/** Every source file loaded when `output` is imported (static imports only). */
function loads(output: string): string[] {
  const seen = new Set<string>();
  const visit = (o: string) => {
    if (seen.has(o)) return;
    seen.add(o);
    for (const i of meta[o]?.imports ?? []) visit(i);
  };
  visit(output);
  return [...seen].flatMap((o) => meta[o]?.inputs ?? []);
}

const chunkOf = (source: string) => {
  const out = Object.keys(meta).find((o) => meta[o]!.inputs.includes(source) && !o.endsWith('.map'));
  if (!out) throw new Error(`${source} is in no output of the bundle`);
  return out;
};

const CLIENT_NODE = /node_modules\/@kubernetes\/client-node\//;

describe('the CLI bundle', () => {
  it('when started, then only commander and the command tree load (no render, no client-node)', () => {
    // bin.ts turns the compile cache on, then imports program.ts.
    const files = [...loads('storefront.mjs'), ...loads(chunkOf('operator/cli/program.ts'))];
    expect(files).toContain('operator/cli/program.ts');
    expect(files).toContain('node_modules/commander/lib/command.js');
    expect(files.filter((f) => CLIENT_NODE.test(f) || /node_modules\/cdk8s/.test(f))).toEqual([]);
  });

  it.each([
    'operator/cli/template-action.ts',
    'operator/cli/crd-action.ts',
    'operator/cli/version.ts',
    'operator/cli/completion.ts',
  ])('when %s runs, then @kubernetes/client-node is not loaded', (source) => {
    const files = [...loads('storefront.mjs'), ...loads(chunkOf(source))];
    expect(files).toContain(source);
    expect(files.filter((f) => CLIENT_NODE.test(f))).toEqual([]);
  });

  it('when template renders, then no construct library loads (render builds plain objects)', () => {
    const files = [...loads('storefront.mjs'), ...loads(chunkOf('operator/cli/template-action.ts'))];
    expect(files).toContain('operator/render/render.ts');
    expect(files.filter((f) => /node_modules\/(cdk8s|cdk8s-plus-27|constructs)\//.test(f))).toEqual([]);
  });

  it('when a cluster command runs, then it loads our transport but not client-node, which only kubeconfig plugins load (the check above can fail)', () => {
    const files = loads(chunkOf('operator/cli/deploy-actions.ts'));
    expect(files).toContain('operator/kube/transport.ts');
    expect(files.filter((f) => CLIENT_NODE.test(f))).toEqual([]);
    expect(loads(chunkOf('operator/kube/delegated-auth.ts')).some((f) => CLIENT_NODE.test(f))).toBe(true);
  });
});
