// The CLI's validation and the real API server agree on generated Storefronts — valid ones and
// ones with one deliberate fault — on the verdict AND on the fields named. Specs come from the
// schema (operator/api/testdata/generated-specs.ts) with a fixed seed; each is sent as a
// server-side dry-run create with strict field validation, so nothing is stored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATED_SPECS_SEED, invalidDoc, validDoc } from '../../operator/api/testdata/generated-specs.ts';
import { validateStorefront } from '../../operator/api/validate.ts';
import { testCluster } from './context.ts';
import { httpCall } from './http.ts';
import { repoRoot } from './paths.ts';
import { createNamespace, deleteNamespace } from './test-helpers.ts';
import { installCrds } from './third-party-crds.ts';

const VALID = 150;
const INVALID = 150;

interface Verdict {
  accepted: boolean;
  paths: string[];
  message: string;
}

/** The fields a rejected create names: the Status causes, or the strict decoder's unknown field. */
function serverPaths(status: { message?: string; details?: { causes?: { field?: string }[] } }): string[] {
  const paths = new Set<string>();
  // `<nil>` is the API server's note that rules were skipped after a structural error: no field.
  for (const c of status.details?.causes ?? []) if (c.field && c.field !== '<nil>') paths.add(c.field);
  for (const m of (status.message ?? '').matchAll(/unknown field "([^"]+)"/g)) paths.add(m[1]!);
  return [...paths].sort();
}

/**
 * Three differences the API server shows that the CLI does not mirror (each checked exactly, so
 * any other disagreement fails; all are reported for the validation code to follow):
 * - strict decoding refuses an unknown field before validating anything else, so it is named alone;
 * - a quantity that fails its pattern still reaches the CEL rules above it, whose quantity() call
 *   then fails on the parent object ("... evaluating rule: ...");
 * - the scale subresource (specReplicasPath .spec.app.replicas) adds its own error when the value
 *   there is not an integer it can read.
 */
function knownDifference(cli: string[], verdict: Verdict): boolean {
  // The CRD's scale subresource reads spec.app.replicas through its specReplicasPath and reports a
  // value it cannot read there as `.spec.app.replicas` (leading dot), on top of the schema's own
  // error on that field or its parent, which the CLI names.
  const scale = (p: string) =>
    p.startsWith('.') && cli.some((c) => p.slice(1) === c || p.slice(1).startsWith(`${c}.`));
  const server = { ...verdict, paths: verdict.paths.filter((p) => !scale(p)) };
  if (JSON.stringify(server.paths) === JSON.stringify(cli)) return server.paths.length < verdict.paths.length;
  if (server.message.includes('strict decoding error'))
    return (
      server.paths.length > 0 && server.paths.every((p) => cli.includes(p) && p.endsWith('surpriseField'))
    );
  const extra = server.paths.filter((p) => !cli.includes(p));
  return (
    cli.every((p) => server.paths.includes(p)) &&
    extra.length > 0 &&
    extra.every((p) => cli.some((c) => c.startsWith(`${p}.`))) &&
    server.message.includes('evaluating rule')
  );
}

describe(`CLI and API server on generated Storefronts (seed ${GENERATED_SPECS_SEED})`, () => {
  let ns: string;
  let dryRunCreate: (doc: Record<string, any>) => Promise<Verdict>;

  beforeAll(() => {
    const cluster = testCluster();
    installCrds(cluster, [join(repoRoot, 'crds', 'storefront.dev_storefronts.yaml')]);
    ns = createNamespace('sf-gen');
    const state = JSON.parse(readFileSync(join(cluster.stateDir, 'cluster.json'), 'utf8'));
    const creds = { ca: state.caCert, cert: state.adminCert, key: state.adminKey };
    const url = `${cluster.apiServerUrl}/apis/storefront.dev/v1alpha1/namespaces/${ns}/storefronts?dryRun=All&fieldValidation=Strict`;
    dryRunCreate = async (doc) => {
      const res = await httpCall(url, {
        method: 'POST',
        body: JSON.stringify(doc),
        creds,
        timeoutMs: 60_000,
      });
      const body = JSON.parse(res.body);
      if (res.status === 201) return { accepted: true, paths: [], message: '' };
      expect([400, 422], res.body).toContain(res.status);
      return { accepted: false, paths: serverPaths(body), message: body.message };
    };
  });
  afterAll(() => deleteNamespace(ns));

  const named = (doc: Record<string, any>, name: string) => ({ ...doc, metadata: { name } });

  it(`when ${VALID} generated valid specs are created, then the API server accepts every one`, async () => {
    const docs = fc.sample(validDoc, { seed: GENERATED_SPECS_SEED, numRuns: VALID });
    const refused: string[] = [];
    for (const [i, doc] of docs.entries()) {
      expect(validateStorefront(doc)).toEqual([]);
      const v = await dryRunCreate(named(doc, `gen-valid-${i}`));
      if (!v.accepted) refused.push(`${JSON.stringify(doc.spec)}\n  -> ${v.message}`);
    }
    expect(refused, `seed ${GENERATED_SPECS_SEED}`).toEqual([]);
  });

  it(`when ${INVALID} generated specs with one fault are created, then both refuse them naming the same fields`, async () => {
    const cases = fc.sample(invalidDoc, { seed: GENERATED_SPECS_SEED + 1, numRuns: INVALID });
    const disagreements: string[] = [];
    const faults = new Set<string>();
    for (const [i, c] of cases.entries()) {
      const doc = named(c.doc, `gen-invalid-${i}`);
      const cli = [...new Set(validateStorefront(doc).map((e) => e.path))].sort();
      const server = await dryRunCreate(doc);
      faults.add(c.path);
      expect(cli, `the CLI names the faulty field ${c.path}`).toContain(c.path);
      if (
        server.accepted ||
        (JSON.stringify(server.paths) !== JSON.stringify(cli) && !knownDifference(cli, server))
      ) {
        disagreements.push(
          `${c.path} = ${c.fault}\n  CLI: ${cli.join(', ')}\n  API: ${server.accepted ? 'accepted' : `${server.paths.join(', ')} (${server.message})`}`,
        );
      }
    }
    // The sample covers many different fields, not one field many times.
    expect(faults.size).toBeGreaterThan(40);
    expect(disagreements, `seed ${GENERATED_SPECS_SEED + 1}`).toEqual([]);
  });
});
