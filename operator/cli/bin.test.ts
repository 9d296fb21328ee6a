// The entry point exits only once its output is written: a reader that is slow to drain a pipe
// (a CI step, `| less`) still gets all of a CRD larger than the pipe's buffer.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

it('when stdout is a pipe nobody reads for a second, then storefront crd still prints the whole CRD', () => {
  const crd = readFileSync(join(ROOT, 'crds/storefront.dev_storefronts.yaml'), 'utf8');
  expect(Buffer.byteLength(crd)).toBeGreaterThan(65_536);
  // A real pipe whose reader sleeps first (as `| less` or a slow CI step): pausing a Node stream
  // instead loses data when the child starts slowly, which tests the test, not storefront.
  const out = spawnSync(
    'bash',
    [
      '-o',
      'pipefail',
      '-c',
      '"$0" "$1" crd | (sleep 1; cat)',
      process.execPath,
      join(ROOT, 'operator/cli/bin.ts'),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  expect(out.status, out.stderr).toBe(0);
  expect(out.stdout).toBe(crd);
});
