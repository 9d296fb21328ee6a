import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseDoc, DIGEST, pinnedImages } from '../api/testdata/invalid-specs.ts';
import { parseStorefront } from '../api/validate.ts';
import { formatObjects } from '../cli/template.ts';
import { RETAIN_ANNOTATION } from './credentials.ts';
import { names } from './names.ts';
import { render, renderCredentialSecrets } from './render.ts';
import { exampleFiles, fixedInputs, loadExample } from './testdata/fixtures.ts';

const GOLDEN_DIR = join(import.meta.dirname, 'testdata/golden');
const update = process.env.UPDATE_GOLDEN === '1';

describe('render', () => {
  it('when the examples are listed, then minimal, production and external-services are there', () => {
    expect(exampleFiles()).toEqual(
      expect.arrayContaining(['minimal.yaml', 'production.yaml', 'external-services.yaml']),
    );
  });

  it.each(exampleFiles())('when %s is rendered, then it matches its reviewed golden file', (file) => {
    const sf = loadExample(file);
    const out = formatObjects(render(sf, fixedInputs(sf)), 'yaml');
    const golden = join(GOLDEN_DIR, file.replace('.yaml', '.golden.yaml'));
    // Read before any update: an UPDATE_GOLDEN run compares with the reviewed file, never with the
    // file it has just written, so it fails whenever the output changed (review the diff, rerun).
    const reviewed = existsSync(golden) ? readFileSync(golden, 'utf8') : undefined;
    if (update && out !== reviewed) writeFileSync(golden, out);
    expect(
      reviewed,
      `${golden} ${update ? 'was written' : 'is missing'}: review it, then run npx vitest run operator/render`,
    ).toBeDefined();
    expect(
      out,
      update ? `${golden} was rewritten: review the diff and rerun without UPDATE_GOLDEN` : golden,
    ).toBe(reviewed);
  });

  it.each(exampleFiles())('when %s is rendered twice, then the bytes are identical', (file) => {
    const sf = loadExample(file);
    const a = JSON.stringify(render(sf, fixedInputs(sf)));
    const b = JSON.stringify(render(loadExample(file), fixedInputs(sf)));
    expect(a).toBe(b);
  });

  it.each(exampleFiles())(
    'when %s is rendered, then names are stable and every object is labelled',
    (file) => {
      const sf = loadExample(file);
      for (const o of render(sf, fixedInputs(sf))) {
        const name = o.metadata.name ?? '';
        expect(name.startsWith(sf.metadata.name) || name.startsWith(`data-${sf.metadata.name}`)).toBe(true);
        expect(o.metadata.namespace).toBe(sf.metadata.namespace ?? 'default');
        for (const l of ['name', 'instance', 'component', 'part-of', 'managed-by', 'version']) {
          expect(
            o.metadata.labels?.[`app.kubernetes.io/${l}`],
            `${o.kind}/${o.metadata.name} label ${l}`,
          ).toBeTruthy();
        }
      }
    },
  );

  it('when the Secrets already exist, then their values are kept exactly', () => {
    const sf = loadExample('minimal.yaml');
    const live = {
      postgresPassword: 'live-pg-Secret-1',
      redisPassword: 'live-redis-2',
      adminToken: 'live-admin-3',
    };
    const objects = render(sf, { namespace: 'default', credentials: live });
    const data = (name: string) => {
      const s = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name) as any;
      return Object.fromEntries(
        Object.entries(s.data).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()]),
      );
    };
    const n = names(sf);
    expect(data(n.postgresCredentials).password).toBe(live.postgresPassword);
    expect(data(n.redisCredentials).password).toBe(live.redisPassword);
    expect(data(n.appSecrets)['admin-token']).toBe(live.adminToken);
  });

  it('when a credential is not given, then its Secret is left out rather than invented', () => {
    const sf = loadExample('minimal.yaml');
    const objects = render(sf, { namespace: 'default', credentials: {} });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('when the migration step is rendered, then there is one Job per app version', () => {
    const a = parseStorefront({
      apiVersion: 'storefront.dev/v1alpha1',
      kind: 'Storefront',
      metadata: { name: 's' },
      spec: { host: 'a.example.com', app: { image: 'r.example/shop:1.0.0' } },
    });
    const b = parseStorefront({
      ...a,
      spec: { ...a.spec, app: { ...a.spec.app, image: 'r.example/shop:1.1.0' } },
    });
    const jobs = (sf: typeof a) =>
      render(sf, fixedInputs(sf))
        .filter((o) => o.kind === 'Job')
        .map((o) => o.metadata.name);
    expect(jobs(a)).toHaveLength(1);
    expect(jobs(a)).toEqual(jobs(parseStorefront(a)));
    expect(jobs(b)[0]).not.toBe(jobs(a)[0]);
  });

  it('when anything in the migration pod template changes, then the Job gets a new name (templates are immutable)', () => {
    const sf = loadExample('minimal.yaml');
    const job = (x: typeof sf) => render(x, fixedInputs(x)).find((o) => o.kind === 'Job')!.metadata.name;
    const resized = parseStorefront({
      ...sf,
      spec: {
        ...sf.spec,
        app: { ...sf.spec.app, resources: { ...sf.spec.app.resources, limits: { cpu: '2', memory: '1Gi' } } },
      },
    });
    const external = parseStorefront({
      ...sf,
      spec: { ...sf.spec, database: { ...sf.spec.database, mode: 'external', external: { name: 'db' } } },
    });
    expect(new Set([job(sf), job(resized), job(external)]).size).toBe(3);
    // The same spec with its keys in another order (as the API server returns it) keeps the name.
    const reordered = parseStorefront(
      JSON.parse(
        JSON.stringify(sf, (_k, v) =>
          v && typeof v === 'object' && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        ),
      ),
    );
    expect(job(reordered)).toBe(job(sf));
  });

  it('when every image is pinned by digest, then each container runs it as written and the version label is the digest prefix', () => {
    const sf = parseStorefront(baseDoc(pinnedImages));
    const objects = render(sf, fixedInputs(sf)) as any[];
    const images = new Map<string, string>();
    for (const o of objects) {
      const pod = o.spec?.jobTemplate?.spec?.template?.spec ?? o.spec?.template?.spec;
      for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])])
        images.set(`${o.kind}/${o.metadata.name}/${c.name}`, c.image);
    }
    const used = new Set(images.values());
    expect(used).toEqual(
      new Set([pinnedImages.app.image, pinnedImages.database.image, pinnedImages.cache.image]),
    );
    const app = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === names(sf).app);
    expect(app.metadata.labels['app.kubernetes.io/version']).toBe(
      DIGEST.slice('sha256:'.length, 'sha256:'.length + 12),
    );
  });

  it('when autoscaling is on, then the Deployment leaves replicas to the HPA', () => {
    const sf = loadExample('production.yaml');
    const objects = render(sf, fixedInputs(sf));
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'boutique-app') as any;
    expect(dep.spec.replicas).toBeUndefined();
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(true);
  });

  it('when the volume grows, then the claim template keeps its live size and the claim is resized', () => {
    const sf = loadExample('minimal.yaml');
    const grown = parseStorefront({
      ...sf,
      spec: { ...sf.spec, database: { ...sf.spec.database, storage: { size: '20Gi' } } },
    });
    const objects = render(grown, { ...fixedInputs(grown), observedPostgresVolumeSize: '10Gi' });
    const sts = objects.find((o) => o.kind === 'StatefulSet') as any;
    expect(sts.spec.volumeClaimTemplates[0]!.spec.resources.requests.storage).toBe('10Gi');
    const pvc = objects.find((o) => o.kind === 'PersistentVolumeClaim') as any;
    expect(pvc.metadata.name).toBe('data-shop-postgres-0');
    expect(pvc.spec.resources.requests.storage).toBe('20Gi');
  });

  it('when deletionPolicy is Delete, then the claims go with the StatefulSet and Secrets are not kept', () => {
    const sf = parseStorefront({
      ...loadExample('minimal.yaml'),
      spec: { ...loadExample('minimal.yaml').spec, deletionPolicy: 'Delete' },
    });
    const objects = render(sf, fixedInputs(sf));
    const sts = objects.find((o) => o.kind === 'StatefulSet') as any;
    expect(sts.spec.persistentVolumeClaimRetentionPolicy.whenDeleted).toBe('Delete');
    const secrets = objects.filter((o) => o.kind === 'Secret');
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.every((o) => !o.metadata.annotations?.[RETAIN_ANNOTATION])).toBe(true);
  });

  it('when deletionPolicy is Retain, then credentials and the CA are marked to outlive the Storefront', () => {
    const sf = loadExample('minimal.yaml');
    const kept = render(sf, fixedInputs(sf)).filter(
      (o) => o.metadata.annotations?.[RETAIN_ANNOTATION] === 'true',
    );
    expect(kept.map((o) => o.metadata.name).sort()).toEqual([
      'shop-app-secrets',
      'shop-postgres-app-login',
      'shop-postgres-credentials',
      'shop-redis-credentials',
      'shop-tls-ca',
    ]);
  });

  it('when any example is rendered, then no nginx snippet annotation is ever emitted', () => {
    for (const file of exampleFiles()) {
      const sf = loadExample(file);
      for (const o of render(sf, fixedInputs(sf))) {
        for (const key of Object.keys(o.metadata.annotations ?? {})) expect(key).not.toMatch(/snippet/);
      }
    }
  });

  it('when only the credential Secrets are rendered, then they are exactly the Secrets of the full render', () => {
    for (const file of exampleFiles()) {
      const base = loadExample(file);
      const variants = [
        base,
        {
          ...base,
          spec: {
            ...base.spec,
            deletionPolicy: 'Retain' as const,
            inheritedMetadata: { labels: { team: 'shop' }, annotations: { 'example.com/owner': 'ops' } },
          },
        },
      ];
      for (const sf of variants) {
        const inputs = fixedInputs(sf);
        const alone = renderCredentialSecrets(sf, inputs);
        expect(alone.length, file).toBeGreaterThan(0);
        const names_ = new Set(alone.map((o) => o.metadata.name));
        const inFull = render(sf, inputs).filter((o) => o.kind === 'Secret' && names_.has(o.metadata.name!));
        const byName = (a: { metadata: { name?: string } }, b: { metadata: { name?: string } }) =>
          a.metadata.name!.localeCompare(b.metadata.name!);
        expect([...alone].sort(byName), file).toEqual([...inFull].sort(byName));
      }
    }
  });
});
