// Shared fixtures for render tests: the examples, parsed, with fixed credentials.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Storefront } from '../../api/types.ts';
import { loadStorefronts } from '../../cli/load-spec.ts';
import type { RenderInputs } from '../inputs.ts';

export const EXAMPLES_DIR = join(import.meta.dirname, '../../../examples');

export function exampleFiles(): string[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

export function loadExample(file: string): Storefront {
  const [sf] = loadStorefronts(join(EXAMPLES_DIR, file));
  return sf!;
}

/** Fixed inputs: what the operator would pass after reading the live Secrets. */
export function fixedInputs(sf: Storefront): RenderInputs {
  return {
    namespace: sf.metadata.namespace ?? 'default',
    credentials: {
      postgresPassword: 'fixture-postgres-password',
      postgresAppPassword: 'fixture-postgres-app-password',
      redisPassword: 'fixture-redis-password',
      adminToken: 'fixture-admin-token',
    },
    tls: {
      certificate: 'FIXTURE CERT',
      privateKey: 'FIXTURE KEY',
      caCertificate: 'FIXTURE CA',
      caPrivateKey: 'FIXTURE CA KEY',
      notAfter: '2027-02-23T00:00:00.000Z',
    },
    // The steady state: a spec.database.restore has run (render.test.ts covers the state before).
    restoreComplete: true,
  };
}
