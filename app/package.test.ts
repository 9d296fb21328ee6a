import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const APP = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(APP, '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** Bare specifiers of static imports, re-exports and dynamic imports. */
function bareImports(code: string): string[] {
  const specifiers = [
    ...code.matchAll(/\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g),
    ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  return specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('/') && !s.startsWith('node:'));
}

const packageName = (specifier: string) =>
  specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;

const readJson = (path: string) =>
  JSON.parse(readFileSync(path, 'utf8')) as { dependencies?: Record<string, string> };

describe('app/package.json (what the container image installs)', () => {
  const app = readJson(join(APP, 'package.json')).dependencies ?? {};
  const root = readJson(join(ROOT, 'package.json')).dependencies ?? {};
  const used = new Set(
    sources(join(APP, 'src'))
      .flatMap((file) => bareImports(readFileSync(file, 'utf8')))
      .map(packageName)
      .filter((name) => !builtinModules.includes(name)),
  );

  it('when app/src imports a package, then app/package.json declares it with the root version', () => {
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) {
      expect(app[name], `${name} is imported under app/src but missing from app/package.json`).toBeDefined();
      expect(app[name], `${name}: app/package.json and the root package.json disagree`).toBe(root[name]);
    }
  });

  it('when app/package.json lists a dependency, then app/src really imports it (runtime deps only)', () => {
    expect(Object.keys(app).sort()).toEqual([...used].sort());
  });

  it('when the image installs from app/package-lock.json, then it gets the versions the tests ran against', () => {
    type Lock = { packages: Record<string, { version: string }> };
    const appLock = JSON.parse(readFileSync(join(APP, 'package-lock.json'), 'utf8')) as Lock;
    const rootLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lock;
    for (const name of Object.keys(app)) {
      expect(appLock.packages[`node_modules/${name}`]?.version, name).toBe(
        rootLock.packages[`node_modules/${name}`]?.version,
      );
    }
  });
});
