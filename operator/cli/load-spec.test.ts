import { spawnSync } from 'node:child_process';
import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStorefronts, MAX_SCANNED_BYTES } from './load-spec.ts';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'sf-load-spec-'));
const file = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const doc = (name: string, host = `${name}.example.com`, extra = '') =>
  `apiVersion: storefront.dev/v1alpha1\nkind: Storefront\nmetadata:\n  name: ${name}\nspec:\n  host: ${host}\n${extra}`;

describe('loading spec files', () => {
  it('when one file holds two Storefronts of one name, then it is refused naming metadata.name', () => {
    const f = file(
      'twice.yaml',
      `${doc('shop')}---\n${doc('other')}---\n${doc('shop', 'shop2.example.com')}`,
    );
    expect(() => loadStorefronts(f)).toThrow(
      /"shop" is defined twice \(Storefronts 1 and 3.*\n {2}- metadata\.name: Duplicate value/,
    );
  });

  it('when two Storefronts share a name in different namespaces, then both load', () => {
    const ns = (n: string) =>
      `apiVersion: storefront.dev/v1alpha1\nkind: Storefront\nmetadata:\n  name: shop\n  namespace: ${n}\nspec:\n  host: shop.example.com\n`;
    expect(loadStorefronts(file('two-ns.yaml', `${ns('a')}---\n${ns('b')}`))).toHaveLength(2);
  });

  it('when YAML names a field __proto__, then it is an unknown field and no prototype is touched', () => {
    const f = file('proto.yaml', doc('shop', 'shop.example.com', '  __proto__:\n    polluted: true\n'));
    expect(() => loadStorefronts(f)).toThrow(/spec\.__proto__: unknown field/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('when app is null in YAML, then the error names spec.app instead of crashing later', () => {
    expect(() => loadStorefronts(file('null.yaml', doc('shop', 'shop.example.com', '  app:\n')))).toThrow(
      /spec\.app: Invalid value: null: spec\.app must be an object \(leave the field out/,
    );
  });

  const cli = (f: string) =>
    spawnSync(
      process.execPath,
      ['--max-old-space-size=256', join(ROOT, 'operator/cli/bin.ts'), 'template', '-f', f],
      {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );

  it('when a field is 2 MB, then the CLI exits 1 naming it and echoes only a prefix', () => {
    const r = cli(
      file(
        'big.yaml',
        doc('shop', 'shop.example.com', `  app:\n    replicas: "${'9'.repeat(2 * 1024 * 1024)}"\n`),
      ),
    );
    expect(r.stderr).toContain('spec.app.replicas: Invalid value: "9999');
    expect(r.stderr).toContain('(2097152 characters)');
    expect(r.stderr.length).toBeLessThan(2000);
    expect(r.status).toBe(1);
  });

  it('when the file holds a 50 MB field, then the CLI exits 1 naming the field before parsing it, in bounded memory, without a stack trace', () => {
    const big = (c: string) => c.repeat(50 * 1024 * 1024);
    for (const [name, text, path] of [
      [
        'huge-plain.yaml',
        doc('shop', 'shop.example.com', `  cdn:\n    originHost: ${big('a')}\n`),
        'spec.cdn.originHost',
      ],
      [
        'huge-quoted.yaml',
        doc('shop', 'shop.example.com', `  app:\n    replicas: "${big('9')}"\n`),
        'spec.app.replicas',
      ],
      [
        'huge.json',
        JSON.stringify({
          apiVersion: 'storefront.dev/v1alpha1',
          kind: 'Storefront',
          metadata: { name: 'shop' },
          spec: { host: 'shop.example.com', app: { env: [{ name: 'A', value: big('b') }] } },
        }),
        'spec.app.env[0].value',
      ],
    ] as const) {
      // 256 MB of heap: composing such a scalar took 2.2 GB (the scan below it stays under 200 MB of RSS).
      const r = cli(file(name, text));
      expect(r.stderr).toContain(`document 1: ${path}: Too long: 524288`);
      expect(r.stderr).toMatch(/\(starts "(a|9|b){64}"\.\.\.\)/);
      expect(r.stderr).toMatch(/the file is 50\.0 MiB; a Storefront spec is a few kB/);
      expect(r.stderr.length).toBeLessThan(2000);
      expect(r.stderr).not.toContain('    at ');
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
    }
  });

  it('when the file is above what is read at all, then the CLI exits 1 naming its size without reading it', () => {
    const f = file('huger.yaml', '');
    truncateSync(f, MAX_SCANNED_BYTES + 16 * 1024 * 1024);
    const r = cli(f);
    expect(r.stderr).toContain('the file is 80.0 MiB; a Storefront spec is a few kB');
    expect(r.stderr.length).toBeLessThan(2000);
    expect(r.status).toBe(1);
  });
});
