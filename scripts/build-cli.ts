// Bundles the `storefront` CLI into dist/cli/ with esbuild: one ESM entry plus one chunk per
// lazily imported command, so a command loads only its own code and Node reads a few large files
// instead of resolving, reading and type-stripping hundreds. Run by `npm install` (prepare), by
// bin/storefront.mjs when a source changed since the last build, and by the test setup.
// dist/ is never committed. Writes to a temporary directory and renames, so concurrent builds
// (parallel test workers) never see half a bundle.
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = join(ROOT, 'dist', 'cli');
/** First-party files the bundle was built from, with their mtimes: bin/storefront.mjs checks them. */
export const INPUTS_FILE = 'inputs.json';

/** Static import graph of the output files (esbuild's metafile): what loading each file loads. */
export const META_FILE = 'meta.json';

export async function buildCli(dist = DIST): Promise<{ dir: string; inputs: number; ms: number }> {
  const t0 = performance.now();
  const { build } = await import('esbuild');
  const tmp = `${dist}.tmp-${process.pid}-${Date.now()}`;
  const result = await build({
    entryPoints: { storefront: join(ROOT, 'operator/cli/bin.ts') },
    outdir: tmp,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    outExtension: { '.js': '.mjs' },
    // CommonJS dependencies call require(); ESM output has none unless given one.
    banner: {
      js: "import { createRequire as __sfRequire } from 'node:module'; const require = __sfRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
    legalComments: 'none',
  });
  const ours = Object.keys(result.metafile.inputs)
    .map((p) => join(ROOT, p))
    .filter((p) => !relative(ROOT, p).startsWith('node_modules'));
  ours.push(join(ROOT, 'package.json'), join(ROOT, 'package-lock.json'));
  const stamp = Object.fromEntries(ours.map((p) => [relative(ROOT, p), statSync(p).mtimeMs]));
  writeFileSync(join(tmp, INPUTS_FILE), JSON.stringify(stamp));
  const outputs = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([file, o]) => [
      relative(tmp, join(ROOT, file)),
      {
        imports: o.imports
          .filter((i) => i.kind === 'import-statement')
          .map((i) => relative(tmp, join(ROOT, i.path))),
        inputs: Object.keys(o.inputs),
      },
    ]),
  );
  writeFileSync(join(tmp, META_FILE), JSON.stringify(outputs));
  mkdirSync(dirname(dist), { recursive: true });
  const old = `${dist}.old-${process.pid}-${Date.now()}`;
  try {
    renameSync(dist, old);
  } catch {
    // no earlier build
  }
  try {
    renameSync(tmp, dist);
  } catch (e) {
    // Another build won the race: its bundle is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (e as NodeJS.ErrnoException).code !== 'EEXIST')
      throw e;
  }
  rmSync(old, { recursive: true, force: true });
  return { dir: dist, inputs: ours.length, ms: performance.now() - t0 };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await buildCli();
  process.stderr.write(`build:cli: dist/cli from ${r.inputs} source files in ${Math.round(r.ms)} ms\n`);
}
