// The module boundaries the design keeps (issue 16), checked over the source so a change that
// crosses one fails here instead of in review: the operator and the deployer share observe/ and
// core/ but never import each other, kube/ knows nothing of render/, only kube/ loads the client
// library, and time comes from the injected clock (core/clock.ts) everywhere else.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = import.meta.dirname;

/** Every non-test TypeScript source under operator/, as paths relative to it. */
function sources(): string[] {
  return readdirSync(ROOT, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
}

const text = (file: string) => readFileSync(join(ROOT, file), 'utf8');
/** The module specifiers a file imports (static and dynamic). */
const importsOf = (file: string) =>
  [...text(file).matchAll(/(?:from\s+|import\()\s*'([^']+)'/g)].map((m) => m[1]!);
/** Files under `dir` importing anything under `target` (both relative to operator/). */
function crossings(dir: string, target: string): string[] {
  return sources()
    .filter((f) => f.startsWith(`${dir}/`))
    .flatMap((f) =>
      importsOf(f)
        .filter((spec) => spec.startsWith('.'))
        .filter((spec) => relative(ROOT, join(ROOT, f, '..', spec)).startsWith(`${target}/`))
        .map((spec) => `${f} imports ${spec}`),
    );
}

describe('operator module boundaries', () => {
  it('deploy/ and controller/ do not import each other', () => {
    expect(crossings('deploy', 'controller')).toEqual([]);
    expect(crossings('controller', 'deploy')).toEqual([]);
  });

  it('kube/ imports nothing from render/', () => {
    expect(crossings('kube', 'render')).toEqual([]);
  });

  it('only kube/ imports @kubernetes/client-node', () => {
    const outside = sources().filter(
      (f) => !f.startsWith('kube/') && importsOf(f).some((s) => s.startsWith('@kubernetes/client-node')),
    );
    expect(outside).toEqual([]);
  });

  it('no Date.now() or new Date() outside the clock module (time is injected)', () => {
    const offenders = sources()
      .filter((f) => f !== join('core', 'clock.ts'))
      .flatMap((f) =>
        text(f)
          .split('\n')
          .map((line, i) => ({ line, at: `${f}:${i + 1}` }))
          .filter(({ line }) => /\bDate\.now\(\)|new Date\(\)/.test(line.replace(/\/\/.*$/, '')))
          .map(({ at, line }) => `${at}: ${line.trim()}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the checks see the tree (a crossing planted in a path would be found)', () => {
    expect(sources()).toContain(join('controller', 'operator.ts'));
    expect(importsOf(join('controller', 'operator.ts'))).toContain('../kube/client.ts');
  });
});
