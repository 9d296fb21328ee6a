import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'operator/cli/bin.ts');
const run = (...args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });

describe('storefront template', () => {
  it('when an example is rendered twice, then the bytes are identical', () => {
    const a = execFileSync(process.execPath, [BIN, 'template', '-f', 'examples/production.yaml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const b = execFileSync(process.execPath, [BIN, 'template', '-f', 'examples/production.yaml'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(a).toBe(b);
    const docs = parseAllDocuments(a) as ReturnType<typeof parseAllDocuments> & unknown[];
    expect(docs.length).toBeGreaterThan(15);
  });

  it('when the YAML is read as YAML 1.1 (as kubectl does), then it equals the JSON output', () => {
    const yamlOut = run('template', '-f', 'examples/production.yaml').stdout;
    const jsonOut = JSON.parse(run('template', '-f', 'examples/production.yaml', '-o', 'json').stdout) as {
      items: unknown[];
    };
    const docs = parseAllDocuments(yamlOut, { version: '1.1' }) as unknown as { toJS(): unknown }[];
    expect(docs.map((d) => d.toJS())).toEqual(jsonOut.items);
  });

  it('when -n and -o json are given, then a JSON List in that namespace is printed', () => {
    const r = run('template', '-f', 'examples/minimal.yaml', '-n', 'shops', '-o', 'json');
    expect(r.status).toBe(0);
    const list = JSON.parse(r.stdout) as { kind: string; items: { metadata: { namespace: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.every((i) => i.metadata.namespace === 'shops')).toBe(true);
  });

  it('when the spec is invalid, then it exits non-zero, prints nothing on stdout and names each field', () => {
    const file = join(tmpdir(), `bad-${process.pid}.yaml`);
    writeFileSync(
      file,
      'apiVersion: storefront.dev/v1alpha1\nkind: Storefront\nmetadata: {name: shop}\nspec:\n  host: Bad_Host\n  app: {replicas: 0}\n  ingress: {tls: {mode: secret}}\n',
    );
    const r = run('template', '-f', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('spec.host: Invalid value: "Bad_Host"');
    expect(r.stderr).toContain('spec.app.replicas: Invalid value: 0');
    expect(r.stderr).toContain('spec.ingress.tls.secretName');
  });

  it('when the file is not YAML, then the error says so and names the file', () => {
    const file = join(tmpdir(), `broken-${process.pid}.yaml`);
    writeFileSync(file, 'spec: [unclosed\n');
    const r = run('template', '-f', file);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(file);
    expect(r.stderr).toContain('invalid YAML');
  });

  it('when --include-secrets is given, then the credential Secrets are printed', () => {
    const r = run('template', '-f', 'examples/minimal.yaml', '--include-secrets');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('name: shop-postgres-credentials');
  });
});

describe('storefront template: Gateway API mode', () => {
  it("when provider is gatewayAPI, then stderr notes that rate and body-size limits are the Gateway's", () => {
    const res = run('template', '-f', 'examples/gateway-api.yaml');
    expect(res.status).toBe(0);
    expect(res.stderr).toMatch(/note: \S+: provider gatewayAPI: rate and body-size limits are the Gateway's/);
    expect(run('template', '-f', 'examples/minimal.yaml').stderr).not.toContain('body-size');
  });
});
