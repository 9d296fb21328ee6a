// The backup and restore scripts (render/backup-scripts.ts) with destination s3, run by sh as the
// rendered pods run them — container after container over one scratch dir, init containers first:
// the bucket check, the dump (Postgres' image: no curl on its PATH, no key pair in its env) and the
// upload (the shop image: no Postgres client, no database password); the download, then the
// restore — against real Postgres servers and a real S3-compatible server (gofakes3 behind a
// SigV4 check, test/s3-server) on a loopback port: objects, manifest-last uploads, retention over
// paginated listings, restore round trips and the failures the BackupReady condition shows.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStorefront } from '../../operator/api/validate.ts';
import { backupListJob } from '../../operator/render/backup-list.ts';
import { render } from '../../operator/render/render.ts';
import { fixedInputs } from '../../operator/render/testdata/fixtures.ts';
import { type S3Server, s3Keys, s3Request, startS3Server } from '../support/s3-server.ts';
import {
  freshPostgres,
  imagePaths,
  NAME,
  nextSecond,
  PASSWORD,
  query,
  runPod,
  scriptEnv,
  shopDatabase,
  writeScripts,
} from './support/backup-scripts.ts';
import { freePort } from './support/ports.ts';
import type { TestPostgres } from './support/postgres.ts';

const BUCKET = 'shop-backups';
let source: TestPostgres;
let s3: S3Server;
let dir: string;
let scripts: string;
let paths: { postgres: string; shop: string };
const targets: TestPostgres[] = [];

const S3_SPEC = {
  endpoint: 'http://s3.test:9000',
  bucket: BUCKET,
  credentialsSecret: { name: 's3-credentials' },
  egress: [{ cidr: '127.0.0.1/32', ports: [9000] }],
};
const storefront = (database: Record<string, unknown>) =>
  parseStorefront({
    apiVersion: 'storefront.dev/v1alpha1',
    kind: 'Storefront',
    metadata: { name: 'shop', namespace: 'web' },
    spec: { host: 'shop.example.com', database },
  });
/** The pods as rendered: the backup CronJob's, the restore Job's, and the listing Job's. */
const pods = (() => {
  const sf = storefront({ backup: { schedule: '@daily', destination: { s3: S3_SPEC } } });
  const objects = render(sf, fixedInputs(sf));
  const cron = objects.find((o) => o.kind === 'CronJob') as any;
  const rsf = storefront({ restore: { from: { backup: 'latest', s3: S3_SPEC } } });
  const job = render(rsf, fixedInputs(rsf)).find(
    (o) => o.kind === 'Job' && o.metadata.name === 'shop-restore',
  ) as any;
  return {
    shopImage: sf.spec.app.image,
    backup: cron.spec.jobTemplate.spec.template,
    restore: job.spec.template,
    list: (backupListJob({ ...cron, metadata: { ...cron.metadata, namespace: 'web', uid: 'u' } }, 'l') as any)
      .spec.template,
  };
})();
/** Settings the scripts read that no pod spec sets: the test's knobs. */
const KNOBS = ['S3_PAGE_KEYS', 'TERMINATION_LOG'];

function run(pod: 'backup' | 'restore' | 'list', db: TestPostgres, env: Record<string, string>) {
  const scratch = mkdtempSync(join(dir, 'scratch-'));
  const all: Record<string, string> = {
    ...scriptEnv(db),
    PGCONNECT_TIMEOUT: '10',
    BACKUP_ROOT: scratch,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: BUCKET,
    S3_PREFIX: 'shop/',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: s3.accessKey,
    AWS_SECRET_ACCESS_KEY: s3.secretKey,
    RESTORE_BACKUP: 'latest',
    ...env,
  };
  const r = runPod(pods[pod], {
    scripts,
    shopImage: pods.shopImage,
    paths,
    values: all,
    knobs: Object.fromEntries(Object.entries(all).filter(([k]) => KNOBS.includes(k))),
  });
  // The credentials never reach the output (the BackupReady condition, the logs).
  expect(r.out).not.toContain(PASSWORD);
  expect(r.out).not.toContain(s3.secretKey);
  return { ...r, scratch };
}

const target = async () => {
  const t = await freshPostgres();
  targets.push(t);
  return t;
};
const tables = async (db: TestPostgres) =>
  (await query(db, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"))[0].n;
/** Complete backups under a prefix: those with a manifest.json. */
const backupsIn = (prefix: string, bucket = BUCKET) =>
  s3Keys(s3, bucket, prefix)
    .map((k) => k.slice(prefix.length).split('/'))
    .filter(([t, f]) => NAME.test(t!) && f === 'manifest.json')
    .map(([t]) => t!);
const get = (key: string) => {
  const r = s3Request(s3, 'GET', `/${BUCKET}/${key}`);
  if (r.status !== 200) throw new Error(`GET ${key}: HTTP ${r.status}`);
  return r.body;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storefront-backup-s3-'));
  scripts = writeScripts(dir);
  paths = imagePaths(dir);
  s3 = await startS3Server([BUCKET, 'shared']);
  source = await shopDatabase();
}, 120_000);

afterAll(async () => {
  for (const t of targets) await t.destroy();
  await source?.destroy();
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the s3 pods as rendered', () => {
  it('when the containers run, then the Postgres ones find no curl and the shop-image ones no Postgres client', () => {
    const has = (path: string, program: string) =>
      spawnSync('sh', ['-c', `command -v ${program}`], { env: { PATH: path } }).status === 0;
    expect([
      has(paths.postgres, 'pg_dump'),
      has(paths.postgres, 'curl'),
      has(paths.postgres, 'sha256sum'),
    ]).toEqual([true, false, true]);
    expect([
      has(paths.shop, 'curl'),
      has(paths.shop, 'pg_dump'),
      has(paths.shop, 'psql'),
      has(paths.shop, 'sed'),
    ]).toEqual([true, false, false, true]);
    // Which container runs in which image: the runner picks the PATH by it.
    const images = (t: any) =>
      [...(t.spec.initContainers ?? []), ...t.spec.containers].map((c: any) => [
        c.name,
        c.image === pods.shopImage ? 'shop' : 'postgres',
      ]);
    expect(images(pods.backup)).toEqual([
      ['bucket-check', 'shop'],
      ['backup', 'postgres'],
      ['upload', 'shop'],
    ]);
    expect(images(pods.restore)).toEqual([
      ['download', 'shop'],
      ['restore', 'postgres'],
    ]);
    expect(images(pods.list)).toEqual([['backup-list', 'shop']]);
  });
});

describe('the backup pod with destination s3 (bucket check, dump, upload)', () => {
  it('when it runs, then <prefix><time>/ holds the dump, SHA256SUMS and a manifest whose sizes and checksums are the objects, and the scratch volume is emptied', () => {
    const r = run('backup', source, { S3_PREFIX: 'one/' });
    expect(r.status, r.out).toBe(0);
    expect(r.ran).toEqual(['bucket-check', 'backup', 'upload']);
    // The dump said where it goes; the upload that it arrived.
    expect(r.out).toMatch(
      /backup [0-9T]+Z dumped into the scratch volume: [0-9]+ bytes, databases: storefront; uploading to s3:/,
    );
    const [name] = backupsIn('one/');
    expect(name).toMatch(NAME);
    expect(s3Keys(s3, BUCKET, 'one/')).toEqual([
      `one/${name}/SHA256SUMS`,
      `one/${name}/manifest.json`,
      `one/${name}/storefront.dump`,
    ]);
    const dump = get(`one/${name}/storefront.dump`);
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP');
    const sha = createHash('sha256').update(dump).digest('hex');
    const manifest = JSON.parse(get(`one/${name}/manifest.json`).toString());
    expect(manifest).toMatchObject({
      name,
      storefront: 'shop',
      size: dump.length,
      databases: [{ name: 'storefront', file: 'storefront.dump', size: dump.length, sha256: sha }],
    });
    expect(get(`one/${name}/SHA256SUMS`).toString()).toBe(`${sha}  storefront.dump\n`);
    expect(r.out).toContain(`backup ${name} complete to s3://${BUCKET}/one/ at ${s3.endpoint}`);
    expect(readdirSync(r.scratch)).toEqual([]);
  });

  it('when more backups exist than retention.count, then exactly count are kept, the newest, over listings of several pages, and other prefixes are left alone', async () => {
    const other = s3Request(s3, 'PUT', `/${BUCKET}/other/20200101T000000Z/manifest.json`, Buffer.from('{}'));
    expect(other.status).toBe(200);
    const made: string[] = [];
    for (let i = 0; i < 4; i++) {
      if (i) await nextSecond();
      // Two keys a page: each backup's three objects span pages, so continuation tokens are followed.
      const r = run('backup', source, { S3_PREFIX: 'count/', KEEP_COUNT: '2', S3_PAGE_KEYS: '2' });
      expect(r.status, r.out).toBe(0);
      made.push(/backup ([0-9T]+Z) complete/.exec(r.out)![1]!);
    }
    expect(backupsIn('count/')).toEqual(made.slice(2));
    // Deleted backups leave no object behind.
    expect(s3Keys(s3, BUCKET, 'count/')).toHaveLength(6);
    expect(s3Keys(s3, BUCKET, 'other/')).toEqual(['other/20200101T000000Z/manifest.json']);
  }, 60_000);

  it('when backups are older than maxAge, then they are deleted, and an old upload without a manifest is removed as partial', () => {
    for (const key of [
      'age/20200101T000000Z/manifest.json',
      'age/20200101T000000Z/storefront.dump',
      'age/20200102T000000Z/storefront.dump',
    ])
      expect(s3Request(s3, 'PUT', `/${BUCKET}/${key}`, Buffer.from('x')).status).toBe(200);
    const r = run('backup', source, { S3_PREFIX: 'age/', KEEP_COUNT: '10', MAX_AGE_SECONDS: '3600' });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('retention: deleted backup 20200101T000000Z');
    expect(r.out).toContain('retention: deleted the partial upload 20200102T000000Z');
    const kept = backupsIn('age/');
    expect(kept).toHaveLength(1);
    expect(s3Keys(s3, BUCKET, 'age/').every((k) => k.startsWith(`age/${kept[0]}/`))).toBe(true);
  });

  it('when the endpoint is unreachable, then it fails before dumping, naming the bucket and the reason', async () => {
    const closed = await freePort();
    const r = run('backup', source, { S3_ENDPOINT: `http://127.0.0.1:${closed}` });
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `backup failed: cannot list s3://${BUCKET}/shop/ at http://127.0.0.1:${closed}: curl: (7) Failed to connect`,
    );
    // The bucket check is the first container: nothing was dumped.
    expect(r.ran).toEqual(['bucket-check']);
    expect(readdirSync(r.scratch)).toEqual([]);
  });

  it('when the bucket does not exist, then it fails with NoSuchBucket', () => {
    const r = run('backup', source, { S3_BUCKET: 'no-such-bucket' });
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `backup failed: cannot list s3://no-such-bucket/shop/ at ${s3.endpoint}: HTTP 404 NoSuchBucket`,
    );
  });

  it('when the dump fails (Postgres refuses the password), then the upload never runs and nothing reaches the bucket', () => {
    const r = run('backup', source, { S3_PREFIX: 'refused/', PGPASSWORD: 'not-the-password' });
    expect(r.status).toBe(1);
    expect(r.ran).toEqual(['bucket-check', 'backup']);
    expect(r.out).toContain('backup failed: cannot query Postgres');
    expect(s3Keys(s3, BUCKET, 'refused/')).toEqual([]);
  });

  it('when the secret key is wrong, then it fails with 403 AccessDenied', () => {
    const r = run('backup', source, { AWS_SECRET_ACCESS_KEY: 'not-the-secret' });
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `backup failed: cannot list s3://${BUCKET}/shop/ at ${s3.endpoint}: HTTP 403 AccessDenied`,
    );
  });
});

describe('the restore pod from s3 (download, restore)', () => {
  let name: string;
  beforeAll(() => {
    const r = run('backup', source, { S3_PREFIX: 'restore/' });
    if (r.status !== 0) throw new Error(r.out);
    name = backupsIn('restore/')[0]!;
  });

  it('when latest is restored into an empty database, then every order and the stock are back', async () => {
    const db = await target();
    const r = run('restore', db, { S3_PREFIX: 'restore/', RESTORE_BACKUP: 'latest' });
    expect(r.status, r.out).toBe(0);
    expect(r.ran).toEqual(['download', 'restore']);
    expect(r.out).toContain(`downloaded backup ${name} from s3://${BUCKET}/restore/ at ${s3.endpoint}`);
    expect(r.out).toContain(
      `restore of backup ${name} from s3://${BUCKET}/restore/ at ${s3.endpoint} complete`,
    );
    expect(await query(db, 'SELECT count(*)::int AS n, sum(total_cents)::int AS s FROM orders')).toEqual([
      { n: 250, s: 3137500 },
    ]);
    expect(await query(db, 'SELECT sku, units FROM stock ORDER BY sku')).toEqual([
      { sku: 'mug', units: 17 },
      { sku: 'tee', units: 3 },
    ]);
  });

  it('when an object of the backup is corrupt, then it fails naming the file and nothing is restored', async () => {
    const dump = get(`restore/${name}/storefront.dump`);
    dump[dump.length - 10] = dump[dump.length - 10]! ^ 0xff;
    for (const f of ['SHA256SUMS', 'manifest.json'])
      s3Request(s3, 'PUT', `/${BUCKET}/corrupt/${name}/${f}`, get(`restore/${name}/${f}`));
    s3Request(s3, 'PUT', `/${BUCKET}/corrupt/${name}/storefront.dump`, dump);
    const db = await target();
    const r = run('restore', db, { S3_PREFIX: 'corrupt/', RESTORE_BACKUP: name });
    expect(r.status).toBe(1);
    // Downloaded fine; the Postgres container's sha256sum -c refuses it before pg_restore.
    expect(r.ran).toEqual(['download', 'restore']);
    expect(r.out).toContain(
      `restore failed: backup ${name} in s3://${BUCKET}/corrupt/ at ${s3.endpoint} is corrupt (checksum mismatch`,
    );
    expect(r.out).toMatch(/storefront\.dump: FAILED/);
    expect(await tables(db)).toBe(0);
  });

  it('when the backup has no manifest (an upload cut short) or does not exist, then it fails naming it and nothing is restored', async () => {
    s3Request(s3, 'PUT', `/${BUCKET}/cut/${name}/storefront.dump`, get(`restore/${name}/storefront.dump`));
    const db = await target();
    const cut = run('restore', db, { S3_PREFIX: 'cut/', RESTORE_BACKUP: name });
    expect(cut.status).toBe(1);
    expect(cut.ran).toEqual(['download']);
    expect(cut.out).toContain(
      `restore failed: backup ${name} not found in s3://${BUCKET}/cut/ at ${s3.endpoint} (no ${name}/manifest.json)`,
    );
    const latest = run('restore', db, { S3_PREFIX: 'cut/', RESTORE_BACKUP: 'latest' });
    expect(latest.out).toContain(`restore failed: no backup in s3://${BUCKET}/cut/`);
    const missing = run('restore', db, { S3_PREFIX: 'restore/', RESTORE_BACKUP: '20991231T000000Z' });
    expect(missing.out).toContain('restore failed: backup 20991231T000000Z not found in s3://');
    expect(await tables(db)).toBe(0);
  });

  it('when the endpoint is unreachable, then it fails naming it and nothing is restored', async () => {
    const db = await target();
    const closed = await freePort();
    const r = run('restore', db, { S3_ENDPOINT: `http://127.0.0.1:${closed}`, RESTORE_BACKUP: 'latest' });
    expect(r.status).toBe(1);
    expect(r.ran).toEqual(['download']);
    expect(r.out).toContain(
      `restore failed: cannot list s3://${BUCKET}/shop/ at http://127.0.0.1:${closed}: curl: (7)`,
    );
    expect(await tables(db)).toBe(0);
  });
});

describe('the listing pod (storefront backup list) on a bucket', () => {
  it('when the prefix holds backups and a partial upload, then each is listed newest first from its manifest, to stdout and the termination message', async () => {
    const made: string[] = [];
    for (let i = 0; i < 2; i++) {
      if (i) await nextSecond();
      const r = run('backup', source, { S3_PREFIX: 'listed/' });
      expect(r.status, r.out).toBe(0);
      made.push(/backup ([0-9T]+Z) complete/.exec(r.out)![1]!);
    }
    s3Request(s3, 'PUT', `/${BUCKET}/listed/20991231T000000Z/storefront.dump`, Buffer.from('cut short'));
    const log = join(dir, 'list-termination-log');
    writeFileSync(log, '');
    const r = run('list', source, { S3_PREFIX: 'listed/', TERMINATION_LOG: log });
    expect(r.status, r.out).toBe(0);
    const lines = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const manifest = (b: string) => JSON.parse(get(`listed/${b}/manifest.json`).toString());
    expect(lines).toEqual([
      { name: '20991231T000000Z', status: 'partial', size: 0 },
      ...made
        .slice()
        .reverse()
        .map((b) => ({
          name: b,
          status: 'complete',
          size: manifest(b).size,
          postgresVersion: manifest(b).postgresVersion.split(' ')[0],
          appVersion: '0.1.0',
        })),
      { total: 3, more: 0 },
    ]);
  }, 60_000);

  it('when the bucket does not exist, then the listing fails naming it', () => {
    const log = join(dir, 'list-termination-log-missing');
    writeFileSync(log, '');
    const r = run('list', source, { S3_BUCKET: 'no-such-bucket', TERMINATION_LOG: log });
    expect(r.status).toBe(1);
    expect(readFileSync(log, 'utf8')).toContain(
      `backup list failed: cannot list s3://no-such-bucket/shop/ at ${s3.endpoint}: HTTP 404 NoSuchBucket`,
    );
  });
});
