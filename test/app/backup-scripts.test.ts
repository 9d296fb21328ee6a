// The backup and restore scripts the CronJob and the restore Job run (render/backup-scripts.ts),
// run by sh against real Postgres servers with Debian's pg_dump/pg_restore, as the pods run them:
// the same environment variables, a directory standing in for the backups volume.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TERMINATION_MESSAGE_BYTES } from '../../operator/render/backup-scripts.ts';
import {
  freshPostgres,
  NAME,
  nextSecond,
  PASSWORD,
  query,
  type Script,
  scriptEnv,
  shopDatabase,
  writeScripts,
} from './support/backup-scripts.ts';
import type { TestPostgres } from './support/postgres.ts';

let source: TestPostgres;
let dir: string;
let scripts: string;

function run(script: Script, db: TestPostgres, env: Record<string, string>) {
  const r = spawnSync('sh', [join(scripts, script)], {
    encoding: 'utf8',
    env: {
      ...scriptEnv(db),
      ...env,
    },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const backups = (root: string) =>
  readdirSync(root)
    .filter((d) => NAME.test(d))
    .sort();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'storefront-backup-'));
  scripts = writeScripts(dir);
  source = await shopDatabase();
});

afterAll(async () => {
  await source?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('backup.sh', () => {
  it('when it runs, then <time>/ holds a custom-format dump, SHA256SUMS and a manifest whose sizes and checksums are the files', async () => {
    const root = join(dir, 'one');
    mkdirSync(root);
    const r = run('backup.sh', source, { BACKUP_ROOT: root });
    expect(r.status, r.out).toBe(0);
    const [name] = backups(root);
    expect(name).toMatch(NAME);
    expect(readdirSync(root)).toEqual([name]); // no .partial-* left behind
    const files = readdirSync(join(root, name!)).sort();
    expect(files).toEqual(['SHA256SUMS', 'manifest.json', 'storefront.dump']);
    const dump = readFileSync(join(root, name!, 'storefront.dump'));
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump's custom format
    const sha = createHash('sha256').update(dump).digest('hex');
    const manifest = JSON.parse(readFileSync(join(root, name!, 'manifest.json'), 'utf8'));
    expect(manifest).toEqual({
      name,
      time: `${name!.slice(0, 4)}-${name!.slice(4, 6)}-${name!.slice(6, 8)}T${name!.slice(9, 11)}:${name!.slice(11, 13)}:${name!.slice(13, 15)}Z`,
      storefront: 'shop',
      postgresVersion: expect.stringMatching(/^1[0-9]\.[0-9]+/),
      appVersion: '0.1.0',
      appImage: 'ghcr.io/storefront-dev/storefront-shop:0.1.0',
      size: dump.length,
      databases: [{ name: 'storefront', file: 'storefront.dump', size: dump.length, sha256: sha }],
    });
    expect(readFileSync(join(root, name!, 'SHA256SUMS'), 'utf8')).toBe(`${sha}  storefront.dump\n`);
    expect(r.out).not.toContain(PASSWORD);
  });

  it('when more backups exist than retention.count, then exactly count are kept, the newest', async () => {
    const root = join(dir, 'count');
    mkdirSync(root);
    for (let i = 0; i < 3; i++) {
      if (i) await nextSecond();
      const r = run('backup.sh', source, { BACKUP_ROOT: root, KEEP_COUNT: '2' });
      expect(r.status, r.out).toBe(0);
    }
    const kept = backups(root);
    expect(kept).toHaveLength(2);
    expect(kept[0]! < kept[1]!).toBe(true);
  }, 60_000);

  it('when backups are older than maxAge, then they are deleted and the new one is kept', async () => {
    const root = join(dir, 'age');
    for (const old of ['20200101T000000Z', '20200102T000000Z']) {
      mkdirSync(join(root, old), { recursive: true });
      writeFileSync(join(root, old, 'manifest.json'), '{}');
    }
    const r = run('backup.sh', source, { BACKUP_ROOT: root, KEEP_COUNT: '10', MAX_AGE_SECONDS: '3600' });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('retention: deleted backup 20200101T000000Z');
    const kept = backups(root);
    expect(kept).toHaveLength(1);
    expect(kept[0]! > '2026').toBe(true);
  });

  it('when the backups volume cannot be written, then it fails naming the volume', () => {
    const file = join(dir, 'not-a-directory');
    writeFileSync(file, '');
    const r = run('backup.sh', source, { BACKUP_ROOT: join(file, 'backups') });
    expect(r.status).toBe(1);
    expect(r.out).toContain('backup failed: cannot write to the backups volume');
  });
});

describe('restore.sh', () => {
  let root: string;
  let name: string;
  const targets: TestPostgres[] = [];
  const target = async () => {
    const t = await freshPostgres();
    targets.push(t);
    return t;
  };
  const tables = async (db: TestPostgres) =>
    (await query(db, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'"))[0].n;

  beforeAll(() => {
    root = join(dir, 'restore');
    mkdirSync(root);
    const r = run('backup.sh', source, { BACKUP_ROOT: root });
    if (r.status !== 0) throw new Error(r.out);
    name = backups(root)[0]!;
  });
  afterAll(async () => {
    for (const t of targets) await t.destroy();
  });

  it('when latest is restored into an empty database, then every order and the stock are back, and a re-run finds it done', async () => {
    const db = await target();
    const r = run('restore.sh', db, {
      BACKUP_ROOT: root,
      RESTORE_BACKUP: 'latest',
      RESTORE_CLAIM: 'shop-backups',
    });
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`restore of backup ${name} from PersistentVolumeClaim shop-backups complete`);
    expect(await query(db, 'SELECT count(*)::int AS n, sum(total_cents)::int AS s FROM orders')).toEqual([
      { n: 250, s: 3137500 },
    ]);
    expect(await query(db, 'SELECT sku, units FROM stock ORDER BY sku')).toEqual([
      { sku: 'mug', units: 17 },
      { sku: 'tee', units: 3 },
    ]);
    const again = run('restore.sh', db, {
      BACKUP_ROOT: root,
      RESTORE_BACKUP: name,
      RESTORE_CLAIM: 'shop-backups',
    });
    expect(again.status, again.out).toBe(0);
    expect(again.out).toContain(`backup ${name} was restored already`);
  });

  it('when the backup is corrupt, then it fails on the checksum and nothing is restored', async () => {
    const bad = join(dir, 'corrupt');
    mkdirSync(join(bad, name), { recursive: true });
    for (const f of readdirSync(join(root, name)))
      writeFileSync(join(bad, name, f), readFileSync(join(root, name, f)));
    const dump = readFileSync(join(bad, name, 'storefront.dump'));
    dump[dump.length - 10] = dump[dump.length - 10]! ^ 0xff;
    writeFileSync(join(bad, name, 'storefront.dump'), dump);
    const db = await target();
    const r = run('restore.sh', db, {
      BACKUP_ROOT: bad,
      RESTORE_BACKUP: name,
      RESTORE_CLAIM: 'shop-backups',
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      `restore failed: backup ${name} on PersistentVolumeClaim shop-backups is corrupt (checksum mismatch`,
    );
    expect(await tables(db)).toBe(0);
  });

  it('when the backup does not exist, then it fails naming it and nothing is restored', async () => {
    const db = await target();
    const r = run('restore.sh', db, {
      BACKUP_ROOT: root,
      RESTORE_BACKUP: '20991231T000000Z',
      RESTORE_CLAIM: 'shop-backups',
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain(
      'restore failed: backup 20991231T000000Z not found on PersistentVolumeClaim shop-backups',
    );
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const latest = run('restore.sh', db, {
      BACKUP_ROOT: empty,
      RESTORE_BACKUP: 'latest',
      RESTORE_CLAIM: 'x-backups',
    });
    expect(latest.out).toContain('restore failed: no backup on PersistentVolumeClaim x-backups');
    expect(await tables(db)).toBe(0);
  });

  it('when the database already holds tables, then it refuses and leaves them as they were', async () => {
    const db = await target();
    await query(db, 'CREATE TABLE orders (id int); INSERT INTO orders VALUES (42)');
    const r = run('restore.sh', db, {
      BACKUP_ROOT: root,
      RESTORE_BACKUP: name,
      RESTORE_CLAIM: 'shop-backups',
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain('database storefront already holds 1 tables');
    expect(await query(db, 'SELECT id FROM orders')).toEqual([{ id: 42 }]);
  });

  it('when pg_restore fails midway, then the transaction is rolled back and nothing is half-restored', async () => {
    // A dump whose checksum is right but which cannot be restored: pg_restore stops at its first
    // error, inside the single transaction.
    const broken = join(dir, 'broken');
    mkdirSync(join(broken, name), { recursive: true });
    const dump = readFileSync(join(root, name, 'storefront.dump'));
    const cut = dump.subarray(0, Math.floor(dump.length * 0.8));
    writeFileSync(join(broken, name, 'storefront.dump'), cut);
    writeFileSync(join(broken, name, 'manifest.json'), '{}');
    const sha = createHash('sha256').update(cut).digest('hex');
    writeFileSync(join(broken, name, 'SHA256SUMS'), `${sha}  storefront.dump\n`);
    const db = await target();
    const r = run('restore.sh', db, {
      BACKUP_ROOT: broken,
      RESTORE_BACKUP: name,
      RESTORE_CLAIM: 'shop-backups',
    });
    expect(r.status).toBe(1);
    expect(r.out).toContain('restore failed: pg_restore of database storefront');
    expect(await tables(db)).toBe(0);
  });
});

describe('list script (storefront backup list)', () => {
  const list = (root: string) => {
    const log = join(dir, `termination-${Math.random().toString(36).slice(2)}`);
    writeFileSync(log, '');
    const r = run('list.sh', source, { BACKUP_ROOT: root, TERMINATION_LOG: log });
    return { ...r, message: readFileSync(log, 'utf8') };
  };
  const lines = (text: string) =>
    text
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  it('when the volume holds backups and a partial one, then each is listed newest first from its manifest, to stdout and the termination message', async () => {
    const root = join(dir, 'list');
    mkdirSync(root);
    for (let i = 0; i < 2; i++) {
      if (i) await nextSecond();
      const r = run('backup.sh', source, { BACKUP_ROOT: root });
      expect(r.status, r.out).toBe(0);
    }
    const [older, newer] = backups(root) as [string, string];
    // A run that died while writing, and a directory that lost its manifest: both partial.
    mkdirSync(join(root, '.partial-20991231T235959Z'));
    writeFileSync(join(root, '.partial-20991231T235959Z', 'storefront.dump'), 'x'.repeat(1000));
    mkdirSync(join(root, '20000101T000000Z'));
    mkdirSync(join(root, 'lost+found'));
    const r = list(root);
    expect(r.status, r.out).toBe(0);
    const manifest = (b: string) => JSON.parse(readFileSync(join(root, b, 'manifest.json'), 'utf8'));
    const complete = (b: string) => ({
      name: b,
      status: 'complete',
      size: manifest(b).size,
      postgresVersion: manifest(b).postgresVersion.split(' ')[0],
      appVersion: '0.1.0',
    });
    const want = [
      { name: '20991231T235959Z', status: 'partial', size: expect.any(Number) },
      complete(newer),
      complete(older),
      { name: '20000101T000000Z', status: 'partial', size: expect.any(Number) },
      { total: 4, more: 0 },
    ];
    expect(lines(r.message)).toEqual(want);
    expect(lines(r.out)).toEqual(want);
    expect(lines(r.message)[0].size).toBeGreaterThanOrEqual(1000);
    expect(manifest(newer).size).toBeGreaterThan(1000);
  }, 60_000);

  it('when the volume is empty, then the listing is empty and says so (total 0)', () => {
    const root = join(dir, 'list-empty');
    mkdirSync(root);
    const r = list(root);
    expect(r.status, r.out).toBe(0);
    expect(lines(r.message)).toEqual([{ total: 0, more: 0 }]);
  });

  it('when more backups exist than the termination message holds, then the newest that fit are kept and the rest counted', () => {
    const root = join(dir, 'list-many');
    for (let i = 0; i < 100; i++) {
      const b = `2026010${1 + Math.floor(i / 60)}T00${String(i % 60).padStart(2, '0')}00Z`;
      mkdirSync(join(root, b), { recursive: true });
      writeFileSync(
        join(root, b, 'manifest.json'),
        `{"name":"${b}","time":"x","storefront":"shop","postgresVersion":"17.6 (Debian 17.6-1)","appVersion":"1.2.3","appImage":"img:1.2.3","size":${i},"databases":[{"name":"storefront","file":"storefront.dump","size":${i},"sha256":"ab"}]}\n`,
      );
    }
    const r = list(root);
    expect(r.status, r.out).toBe(0);
    expect(Buffer.byteLength(r.message)).toBeLessThan(TERMINATION_MESSAGE_BYTES);
    const shown = lines(r.message);
    const end = shown.pop();
    expect(end.total).toBe(100);
    expect(shown.length + end.more).toBe(100);
    expect(shown.length).toBeGreaterThan(20);
    expect(shown[0]).toEqual({
      name: '20260102T003900Z',
      status: 'complete',
      size: 99,
      postgresVersion: '17.6',
      appVersion: '1.2.3',
    });
    expect(lines(r.out)).toHaveLength(101);
  });

  it('when the volume cannot be read, then it fails naming it', () => {
    const r = list(join(dir, 'no-such-volume'));
    expect(r.status).toBe(1);
    expect(r.message).toContain('backup list failed: cannot read the backups volume');
  });
});
