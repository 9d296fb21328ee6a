// Property tests over Storefronts generated from the schema (seeded: GENERATED_SPECS_SEED): every
// valid spec renders deterministically, every pod passes the restricted walk, every reference
// resolves and the shop accepts the environment it is given; every faulty spec is refused naming
// the faulty field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fcParams,
  GENERATED_SPECS_SEED,
  invalidDoc,
  shapedDoc,
  validDoc,
} from '../api/testdata/generated-specs.ts';
import { parseStorefront, validateStorefront } from '../api/validate.ts';
import { render } from './render.ts';
import { crossReferenceProblems } from './testdata/cross-references.ts';
import { envContractProblems } from './testdata/env-contract.ts';
import { fixedInputs } from './testdata/fixtures.ts';
import { podTemplates } from './testdata/pod-templates.ts';
import { restrictedProblems } from './testdata/restricted.ts';

/** Key order differs between a spec a user writes and one the API server returns. */
function reordered<T>(v: T): T {
  return JSON.parse(
    JSON.stringify(v, (_k, x) =>
      x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x,
    ),
  );
}

describe(`generated Storefronts (seed ${GENERATED_SPECS_SEED})`, () => {
  it('when specs are generated from the schema, then most pass the cross-field rules and every mode occurs', () => {
    // 2,000 samples: with every optional field of a growing schema drawn, 400 left a mode unseen
    // (8 of 400 had cache mode external) for a seed that a new field had merely shifted; after
    // monitoring.serviceMonitor, 1,000 held 9 certManager specs and none valid (7 lacked issuerRef),
    // 2,000 hold 4 valid ones.
    const docs = fc.sample(shapedDoc, { seed: GENERATED_SPECS_SEED, numRuns: 2000 });
    const valid = docs.filter((d) => validateStorefront(d).length === 0).map((d) => parseStorefront(d));
    // A generator that produced mostly invalid specs would test little; a fixed seed keeps this stable.
    expect(valid.length).toBeGreaterThan(docs.length / 2);
    const seen = (f: (s: (typeof valid)[number]) => string) => new Set(valid.map(f));
    expect(seen((s) => s.spec.database.mode)).toEqual(new Set(['managed', 'external', 'cloudnativepg']));
    expect(seen((s) => s.spec.cache.mode)).toEqual(new Set(['managed', 'external', 'disabled']));
    expect(seen((s) => s.spec.ingress.tls.mode)).toEqual(
      new Set(['certManager', 'selfSigned', 'secret', 'none']),
    );
    expect(seen((s) => s.spec.ingress.provider)).toEqual(new Set(['nginx', 'gatewayAPI']));
    expect(seen((s) => String(s.spec.app.autoscaling.enabled))).toEqual(new Set(['true', 'false']));
    expect(seen((s) => String(s.spec.networkPolicy.enabled))).toEqual(new Set(['true', 'false']));
  });

  it('when a valid spec is rendered twice (keys in another order the second time), then the bytes are identical', () => {
    fc.assert(
      fc.property(validDoc, (doc) => {
        const a = parseStorefront(doc);
        const b = parseStorefront(reordered(doc));
        expect(JSON.stringify(render(b, fixedInputs(b)))).toBe(JSON.stringify(render(a, fixedInputs(a))));
      }),
      fcParams(150),
    );
  });

  it('when a valid spec is rendered, then every pod passes the restricted walk', () => {
    fc.assert(
      fc.property(validDoc, (doc) => {
        const sf = parseStorefront(doc);
        const templates = podTemplates(render(sf, fixedInputs(sf)));
        expect(templates.length).toBeGreaterThanOrEqual(2);
        expect(templates.flatMap(restrictedProblems)).toEqual([]);
      }),
      fcParams(200),
    );
  });

  it('when a valid spec is rendered, then every cross-reference resolves and the shop reads its environment', () => {
    fc.assert(
      fc.property(validDoc, (doc) => {
        const sf = parseStorefront(doc);
        const objects = render(sf, fixedInputs(sf));
        expect(crossReferenceProblems(sf, objects)).toEqual([]);
        expect(envContractProblems(sf, objects)).toEqual([]);
      }),
      fcParams(200),
    );
  });

  it('when one field of a valid spec is broken, then the CLI refuses it naming that field', () => {
    fc.assert(
      fc.property(invalidDoc, ({ doc, path }) => {
        const paths = validateStorefront(doc).map((e) => e.path);
        expect(paths).toContain(path);
      }),
      fcParams(300),
    );
  });
});
