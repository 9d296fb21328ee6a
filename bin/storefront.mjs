#!/usr/bin/env node
// The `storefront` command as users run it (npx storefront, the package's bin): the bundle in
// dist/cli/, built from operator/cli/bin.ts by scripts/build-cli.ts. Plain JavaScript so nothing
// needs type stripping at start-up. If a source file changed since the bundle was built (or
// there is none yet), it is rebuilt first — the bundle is never stale and never committed.
import { readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';

module.enableCompileCache?.();
const root = join(dirname(import.meta.filename), '..');
const bundle = new URL('../dist/cli/storefront.mjs', import.meta.url);

function stale() {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(join(root, 'dist/cli/inputs.json'), 'utf8'));
  } catch {
    return true;
  }
  // Plain paths: a URL per file costs a fileURLToPath each (5 ms for the ~100 inputs).
  for (const [file, mtime] of Object.entries(inputs)) {
    const s = statSync(join(root, file), { throwIfNoEntry: false });
    if (!s || s.mtimeMs !== mtime) return true;
  }
  return false;
}

if (stale()) {
  const { buildCli } = await import('../scripts/build-cli.ts');
  await buildCli();
}
await import(bundle.href);
