// Which Postgres the shop's tests ran on. `npm run test:app:pg17` runs every app test on the major
// the Storefront deploys by default (17, from a trixie root file system: bookworm has only 15);
// plain `vitest run --project app` uses Debian's. This test proves the run used the one it claims.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POSTGRES_VERSION } from '../../operator/api/storefront-schema.ts';
import { postgresInstall, startPostgres, type TestPostgres } from './support/postgres.ts';

describe('the Postgres under the shop tests', () => {
  let db: TestPostgres;
  beforeAll(async () => {
    db = await startPostgres();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('when a test Postgres is started, then its server major is the one this run asked for', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query('show server_version_num');
      const major = String(Math.floor(Number(rows[0].server_version_num) / 10000));
      expect(major).toBe(postgresInstall().major);
      if (process.env.STOREFRONT_TEST_POSTGRES) expect(major).toBe(process.env.STOREFRONT_TEST_POSTGRES);
    } finally {
      await client.end();
    }
  });

  it('when the default Storefront Postgres major is read, then npm run test:app:pg17 tests exactly that major', () => {
    expect(DEFAULT_POSTGRES_VERSION).toBe('17');
  });
});
