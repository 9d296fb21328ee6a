// The Storefront CRD on a real API server: it installs, accepts every example, rejects every
// invalid spec of the shared table naming the field, and `storefront template` output applies
// into a namespace that enforces Pod Security `restricted`, with every pod admitted.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  baseDoc,
  caseDoc,
  invalidSpecs,
  pinnedImages,
  tooLongName,
} from '../../operator/api/testdata/invalid-specs.ts';
import { validateStorefront } from '../../operator/api/validate.ts';
import { testCluster } from './context.ts';
import { repoRoot } from './paths.ts';
import { createNamespace, deleteNamespace, getJson, k, kTry, waitFor } from './test-helpers.ts';
import { installCrds, installThirdPartyCrds } from './third-party-crds.ts';

const crdFile = join(repoRoot, 'crds', 'storefront.dev_storefronts.yaml');
const examples = readdirSync(join(repoRoot, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort();

/** The Secrets an example asks its user to create first (its header comment); its pods read them. */
const userSecrets: Record<string, Record<string, Record<string, string>>> = {
  'external-services.yaml': {
    'shop-database': { url: 'postgres://shop:example@db.internal:5432/shop?sslmode=require' },
    'shop-cache': { url: 'rediss://:example@cache.internal:6380/0' },
  },
};

const applyArgs = ['apply', '--server-side', '--field-manager=storefront-crd-test'];

describe('Storefront CRD on the API server', () => {
  let ns: string;
  beforeAll(() => {
    installCrds(testCluster(), [crdFile]);
    installThirdPartyCrds(testCluster());
    ns = createNamespace('sf-crd', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  });
  afterAll(() => {
    kTry(['delete', 'storefronts', '--all', '-n', ns, '--wait=false']);
    deleteNamespace(ns);
  });

  it('when the CRD is installed, then storefronts are served under their short name', () => {
    const crd = getJson<{ status: { conditions: { type: string; status: string }[] } }>([
      'crd',
      'storefronts.storefront.dev',
    ]);
    expect(crd.status.conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    const res = kTry(['get', 'sf', '-n', ns]);
    expect(res.status).toBe(0);
  });

  it.each(examples)('when example %s is applied, then the API server accepts it', (file) => {
    // Examples may name their own namespace; create them all in the test's.
    const docs = parseAllDocuments(readFileSync(join(repoRoot, 'examples', file), 'utf8'))
      .map((d) => d.toJS() as { metadata?: Record<string, unknown> } | null)
      .filter((d) => d !== null);
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) doc.metadata = { ...doc.metadata, namespace: ns };
    const res = kTry([...applyArgs, '-f', '-', '-o', 'name'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }),
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const name = res.stdout.trim().split('/').pop()!;
    expect(getJson<{ kind: string }>(['storefront', name, '-n', ns]).kind).toBe('Storefront');
  });

  it.each(invalidSpecs.filter((c) => c.apiServerDefaults).map((c, i) => [c.name, c, i] as const))(
    'when the spec has %s, then the API server stores the default in place of the null',
    (_name, c, i) => {
      const name = `nulled-${i}`;
      const res = kTry(['create', '-n', ns, '-f', '-', '-o', 'json'], {
        input: JSON.stringify(caseDoc(c, name)),
      });
      expect(res.status, res.stderr).toBe(0);
      const stored = JSON.parse(res.stdout) as Record<string, unknown>;
      const value = c.path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], stored);
      expect(value, c.path).not.toBeNull();
      expect(value, c.path).not.toBeUndefined();
      k(['delete', 'storefront', name, '-n', ns]);
    },
  );

  it.each(invalidSpecs.filter((c) => !c.apiServerDefaults).map((c, i) => [c.name, c, i] as const))(
    'when the spec has %s, then the API server rejects it naming the field',
    (_name, c, i) => {
      const name = `invalid-${i}`;
      // Plain create/replace: the API server's validation errors carry the full field path
      // (server-side apply reports some, e.g. duplicate list keys, on the parent list only).
      if (c.old) {
        const old = caseDoc({ ...c, spec: c.old }, name);
        const created = kTry(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(old) });
        expect(created.stderr).toBe('');
        expect(created.status).toBe(0);
      }
      const doc = caseDoc(c, name);
      const res = c.old
        ? kTry([
            'patch',
            'storefront',
            name,
            '-n',
            ns,
            '--type=merge',
            '-p',
            JSON.stringify({ spec: doc['spec'] }),
          ])
        : kTry(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(doc) });
      expect(res.status, `accepted: ${JSON.stringify(doc)}`).not.toBe(0);
      expect(res.stderr).toContain(c.path);
      if (c.old) {
        // The rejected update changed nothing.
        const stored = getJson<{ spec: Record<string, unknown> }>(['storefront', name, '-n', ns]);
        expect(stored.spec).toMatchObject(c.old);
        k(['delete', 'storefront', name, '-n', ns]);
      } else {
        expect(kTry(['get', 'storefront', name, '-n', ns]).stderr).toContain('(NotFound)');
      }
    },
  );

  it('when a gatewayAPI Storefront stored under the CRD that defaulted rateLimit/bodySizeLimit edits its ingress, then the former defaults are kept, another value is refused, and removing them is accepted', async () => {
    // The CRD as it was before those fields stopped being defaulted: without the two rules that
    // refuse them with provider gatewayAPI (the stored values are what its defaults wrote).
    const crd = parseAllDocuments(readFileSync(crdFile, 'utf8'))[0]!.toJS() as any;
    const ingress = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.ingress;
    const rules = ingress['x-kubernetes-validations'] as { rule: string }[];
    ingress['x-kubernetes-validations'] = rules.filter(
      (r) => !r.rule.includes('rateLimit') && !r.rule.includes('bodySizeLimit'),
    );
    expect(ingress['x-kubernetes-validations'].length).toBe(rules.length - 2);
    const gateway = { provider: 'gatewayAPI', gateway: { parentRefs: [{ name: 'public' }] } };
    const former = {
      rateLimit: { requestsPerSecond: 20, burstMultiplier: 5, connections: 0 },
      bodySizeLimit: '1m',
    };
    const doc = caseDoc(
      { name: 'stored', path: '', spec: { ingress: { ...gateway, ...former } } },
      'stored-gw',
    );
    k([...applyArgs, '--force-conflicts', '-f', '-'], { input: JSON.stringify(crd) });
    try {
      // The API server swaps a CRD's validators shortly after the update, not within it.
      await waitFor('the stored-gw create accepted by the rule-less CRD', () =>
        kTry(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(doc) }).status === 0 ? true : undefined,
      );
    } finally {
      installCrds(testCluster(), [crdFile]);
    }
    // The current CRD's rules are in place again: the same spec is refused on create.
    const fresh = await waitFor('the current CRD refusing rateLimit on create', () => {
      const r = kTry(['create', '-n', ns, '-f', '-'], {
        input: JSON.stringify({ ...doc, metadata: { name: 'fresh-gw' } }),
      });
      if (r.status === 0) k(['delete', 'storefront', 'fresh-gw', '-n', ns]);
      return r.status === 0 ? undefined : r;
    });
    expect(fresh.stderr).toContain('spec.ingress.rateLimit');
    const patch = (p: unknown, type = 'merge') =>
      kTry(['patch', 'storefront', 'stored-gw', '-n', ns, `--type=${type}`, '-p', JSON.stringify(p)]);
    // An edit of ingress that keeps the stored former defaults is accepted.
    const edit = patch({ spec: { ingress: { annotations: { team: 'web' } } } });
    expect(edit.stderr).toBe('');
    expect(edit.status).toBe(0);
    // Changing them to a value an HTTPRoute cannot enforce is refused, naming the field.
    const changed = patch({
      spec: { ingress: { rateLimit: { requestsPerSecond: 21 }, bodySizeLimit: '2m' } },
    });
    expect(changed.status).not.toBe(0);
    expect(changed.stderr).toContain('spec.ingress.rateLimit');
    expect(changed.stderr).toContain('spec.ingress.bodySizeLimit');
    // The migration: removing them is accepted, and they stay removed.
    const removed = patch(
      [
        { op: 'remove', path: '/spec/ingress/rateLimit' },
        { op: 'remove', path: '/spec/ingress/bodySizeLimit' },
      ],
      'json',
    );
    expect(removed.stderr).toBe('');
    const stored = getJson<{ spec: { ingress: Record<string, unknown> } }>([
      'storefront',
      'stored-gw',
      '-n',
      ns,
    ]);
    expect(stored.spec.ingress['rateLimit']).toBeUndefined();
    expect(stored.spec.ingress['bodySizeLimit']).toBeUndefined();
    expect(stored.spec.ingress['annotations']).toEqual({ team: 'web' });
  });

  it('when every image field is pinned by digest, then the API server accepts it, as the CLI does', () => {
    const doc = baseDoc(pinnedImages, 'pinned');
    expect(validateStorefront(doc)).toEqual([]);
    const res = kTry(['create', '-n', ns, '-f', '-', '-o', 'json'], { input: JSON.stringify(doc) });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).spec).toMatchObject(pinnedImages);
  });

  it('when the name is too long for the child objects, then the API server rejects it', () => {
    const doc = caseDoc({ name: 'too long', path: 'metadata.name' }, tooLongName);
    const res = kTry(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(doc) });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain(tooLongName);
  });

  it.each(examples)(
    'when `storefront template -f examples/%s` is applied server-side, then every object and pod is admitted under restricted',
    async (file) => {
      const target = createNamespace(`sf-tpl-${file.replace(/\.yaml$/, '')}`.slice(0, 40), {
        'pod-security.kubernetes.io/enforce': 'restricted',
      });
      try {
        const template = spawnSync(
          process.execPath,
          [
            join(repoRoot, 'operator', 'cli', 'bin.ts'),
            'template',
            '-f',
            join(repoRoot, 'examples', file),
            '-n',
            target,
            // Its pods read the generated credentials; without them they wait, as on a kubelet.
            '--include-secrets',
          ],
          { encoding: 'utf8', cwd: repoRoot },
        );
        expect(template.status, template.stderr).toBe(0);
        expect(template.stdout).toContain('kind:');

        for (const [name, data] of Object.entries(userSecrets[file] ?? {})) {
          const literals = Object.entries(data).map(([key, value]) => `--from-literal=${key}=${value}`);
          k(['create', 'secret', 'generic', name, '-n', target, ...literals]);
        }
        const res = kTry([...applyArgs, '-f', '-'], { input: template.stdout });
        expect(res.stderr).not.toContain('violate PodSecurity');
        expect(res.status, res.stderr).toBe(0);

        // Workloads are admitted with only a warning; their pods are what PSA rejects. Every
        // Deployment and StatefulSet must get a ready pod, i.e. the controllers' creates passed.
        for (const kind of ['deployment', 'statefulset']) {
          const list = getJson<{ items: { metadata: { name: string }; spec: { replicas?: number } }[] }>([
            kind,
            '-n',
            target,
          ]);
          for (const item of list.items) {
            if (item.spec.replicas === 0) continue;
            await waitFor(`${kind} ${item.metadata.name} in ${target} has a ready replica`, () => {
              const obj = getJson<{ status?: { readyReplicas?: number } }>([
                kind,
                item.metadata.name,
                '-n',
                target,
              ]);
              return (obj.status?.readyReplicas ?? 0) >= 1 ? true : undefined;
            });
          }
        }
        const events = k([
          'get',
          'events',
          '-n',
          target,
          '--field-selector=reason=FailedCreate',
          '-o',
          'name',
        ]);
        expect(events.trim()).toBe('');
      } finally {
        deleteNamespace(target);
      }
    },
  );
});
