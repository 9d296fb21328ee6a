// A migration that fails (kwok stage storefront-migration-fails, test/cluster/kwok/) stops
// `storefront install --wait` as soon as the Job reports Failed: exit 1 naming MigrationFailed,
// long before the --timeout, and the release is recorded as failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILING_MIGRATION_IMAGE } from '../cluster/components.ts';
import { k, kJson, kTry, restrictedNamespace } from '../operator/support.ts';
import { explain, releaseStatuses, sf, specFile } from './support.ts';

let ns: string;
const name = 'migfail';

beforeAll(() => {
  ns = restrictedNamespace('sf-migfail');
});

afterAll(() => {
  if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
});

describe('storefront install --wait with a failing migration', () => {
  it('when the migration Job fails, then --wait stops at once with MigrationFailed instead of waiting for the timeout', async () => {
    const spec = specFile(name, { app: { image: FAILING_MIGRATION_IMAGE }, cache: { mode: 'disabled' } });
    // The timeout is far beyond the test's own: only the terminal condition can end this run in time.
    const r = await sf(['install', name, '-f', spec, '-n', ns, '--wait', '--timeout', '60m']);
    expect(r.code, explain(r)).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `Storefront ${ns}/${name} failed: .*App not ready \\(MigrationFailed\\): migration Job ${name}-migrate-[0-9a-f]+ failed: BackoffLimitExceeded`,
      ),
    );
    expect(r.stderr).not.toContain('timed out');
    expect(releaseStatuses(ns, name, k)).toEqual(['1:failed']);
    // The Job failed for real: the Job controller ran out of retries on pods kwok failed.
    const job = kJson(['get', 'jobs', '-n', ns, '-l', `storefront.dev/storefront=${name}`]).items[0];
    expect(job.status.conditions.find((c: { type: string }) => c.type === 'Failed')).toMatchObject({
      status: 'True',
      reason: 'BackoffLimitExceeded',
    });
    expect(job.status.failed).toBe(job.spec.backoffLimit + 1);
  });
});
