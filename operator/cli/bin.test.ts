// The entry point exits only once its output is written: a reader that is slow to drain a pipe
// (a CI step, `| less`) still gets all of a CRD larger than the pipe's buffer.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');

it('when stdout is a pipe nobody reads for a second, then storefront crd still prints the whole CRD', async () => {
  const crd = readFileSync(join(ROOT, 'crds/storefront.dev_storefronts.yaml'), 'utf8');
  expect(Buffer.byteLength(crd)).toBeGreaterThan(65_536);
  const child = spawn(process.execPath, [join(ROOT, 'operator/cli/bin.ts'), 'crd'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const closed = new Promise((resolve) => child.on('close', resolve));
  let stderr = '';
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  child.stdout.pause();
  await sleep(1000);
  const chunks: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => chunks.push(c));
  child.stdout.resume();
  const code = await closed;
  expect(code, stderr).toBe(0);
  expect(Buffer.concat(chunks).toString()).toBe(crd);
});
