// Backups and restore on the real node (issue 15), with Postgres in real containers and the
// backups on a real volume: orders placed through the front door on Postgres 15 → `storefront
// backup create` → the Storefront deleted with deletionPolicy Delete (its data volume and data
// gone, the backups volume kept) → a new Storefront on Postgres 17 restores the backup (the major
// upgrade path) and serves every order and the stock. A restore of a missing or corrupt backup
// fails with a condition naming it and leaves the database empty and the app unstarted. Scheduled
// backups run, retention keeps exactly `count`, and a full backups volume shows on BackupReady.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withLocalImages } from '../cluster/node/storefront-images.ts';
import { sf as cli, explain } from '../deploy/support.ts';
import {
  condition,
  installCrd,
  k,
  kJson,
  kTry,
  type OperatorProcess,
  ROOT,
  restrictedNamespace,
  startOperator,
  waitFor,
  waitReady,
} from '../operator/support.ts';
import {
  placeOrders,
  shopData as shopDataOf,
  podsOf as shopPodsOf,
  psql as shopPsql,
  tableCount as shopTableCount,
} from './shop-data.ts';
import {
  frontDoorPort,
  frontDoorServes,
  httpsRequest,
  localImages,
  localPostgresImage,
  storefrontCa,
} from './support.ts';

const example = parse(readFileSync(join(ROOT, 'examples/minimal.yaml'), 'utf8'));
// Not the example's host: storefront.test.ts's Storefront (deleted without waiting for its
// finalizer) may still hold an Ingress for that host when this file starts, and the front door
// would then have two servers and certificates for it.
const host = 'backup-shop.localtest.me';

/** The Storefront on Postgres 15 that takes the backup, and the one on 17 that restores it. */
const OLD = 'shop15';
const NEW = 'shop17';
/** Restores that must fail: a backup name that does not exist, and a copy with flipped bytes. */
const MISSING = 'missing';
const CORRUPT = 'corrupt';
const MISSING_BACKUP = '20000101T000000Z';
const CORRUPT_BACKUP = '20000202T000000Z';
/**
 * The scheduled backups of the restored Storefront: every minute, the newest one kept. Retention of
 * more than one (which ones stay) is test/app/backup-scripts.test.ts's; here two runs on the
 * schedule, the second deleting the first, prove the schedule and the retention on the real volume.
 */
const KEEP = 1;

let ns: string;
let operator: OperatorProcess;
let port: number;
let images: Awaited<ReturnType<typeof localImages>>;
let postgres15: string;
/** tmpfs mounts this file made (the full backups volume); unmounted after the file. */
const mounts: string[] = [];

/** A Storefront of `name` on the local images, Postgres `major` from `database.image`. */
function storefrontDoc(name: string, major: '15' | '17', database: Record<string, unknown>, h: string) {
  const spec = withLocalImages({ ...example.spec, host: h, deletionPolicy: 'Delete' }, images);
  return JSON.stringify({
    apiVersion: example.apiVersion,
    kind: 'Storefront',
    metadata: { name },
    spec: {
      ...spec,
      database: {
        ...spec['database'],
        version: major,
        image: major === '15' ? postgres15 : images.postgres,
        ...database,
      },
    },
  });
}

const podsOf = (name: string, component: string) => shopPodsOf(ns, name, component);
const psql = (name: string, sql: string) => shopPsql(ns, name, sql);
const shopData = (name: string) => shopDataOf(ns, name);
const tableCount = (name: string) => shopTableCount(ns, name);

/** The directory on this host that holds PersistentVolumeClaim `claim` (hostPath volumes). */
function claimDir(claim: string): string {
  const pv = kJson(['get', 'pvc', claim, '-n', ns]).spec.volumeName;
  return kJson(['get', 'pv', pv]).spec.hostPath.path;
}

/** Backup names (complete backups: a directory with a manifest) on the volume in `dir`. */
function backupsIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => /^\d{8}T\d{6}Z$/.test(d) && existsSync(join(dir, d, 'manifest.json')))
    .sort();
}

describe('backups and restore on the real node', () => {
  /** What the shop held when the backup was taken. */
  let before: { orders: string; items: string; stock: string };
  let orderIds: string[];
  let backup: string;

  beforeAll(async () => {
    images = await localImages();
    postgres15 = await localPostgresImage('15');
    port = await frontDoorPort();
    installCrd();
    ns = restrictedNamespace('sf-backup');
    operator = startOperator();
    k(
      ['apply', '-n', ns, '-f', '-'],
      storefrontDoc(
        OLD,
        '15',
        // Never on schedule here: this Storefront's one backup is the one `backup create` takes.
        { backup: { schedule: '0 0 1 1 *', retention: { count: 3 } } },
        host,
      ),
    );
    await waitReady(ns, OLD, 900_000);
  });

  afterAll(async () => {
    for (const dir of mounts) spawnSync('umount', [dir]);
    await operator?.kill();
    if (ns) kTry(['delete', 'namespace', ns, '--wait=false']);
  });

  it('when shoppers order through the front door on Postgres 15, then the orders are in its database', async () => {
    expect(psql(OLD, 'SHOW server_version_num')).toMatch(/^15/);
    const ca = storefrontCa(ns, OLD);
    await frontDoorServes(port, host, ca, '/', { what: 'the front door to serve the shop' });
    orderIds = await placeOrders(port, host, ca, 'backup');
    expect(Number(psql(OLD, 'SELECT count(*) FROM orders'))).toBe(3);
    before = shopData(OLD);
  });

  it('when `storefront backup create` runs, then the backup is on the backups volume with Postgres 15 in its manifest and a matching checksum', async () => {
    const created = await cli(['backup', 'create', OLD, '-n', ns]);
    expect(created.code, explain(created)).toBe(0);
    // What backup.sh reported, relayed by the CLI from the Job's pod.
    expect(created.stdout + created.stderr).toMatch(/backup \d{8}T\d{6}Z complete: \d+ bytes/);
    const dir = claimDir(`${OLD}-backups`);
    backup = await waitFor('the backup on the backups volume', () => backupsIn(dir)[0], 600_000);
    const manifest = JSON.parse(readFileSync(join(dir, backup, 'manifest.json'), 'utf8'));
    expect(manifest.postgresVersion).toMatch(/^15\./);
    expect(manifest.storefront).toBe(OLD);
    const db = manifest.databases.find((d: any) => d.name === 'storefront');
    const sum = spawnSync('sha256sum', [join(dir, backup, db.file)], { encoding: 'utf8' }).stdout.split(
      ' ',
    )[0];
    expect(sum).toBe(db.sha256);
    // The corrupt backup: a copy of this one with bytes flipped in the middle of its dump.
    cpSync(join(dir, backup), join(dir, CORRUPT_BACKUP), { recursive: true });
    // Owned like the original (the restore runs as Postgres' uid, not root).
    const owned = spawnSync('chown', ['-R', `--reference=${join(dir, backup)}`, join(dir, CORRUPT_BACKUP)]);
    expect(owned.status).toBe(0);
    const dump = join(dir, CORRUPT_BACKUP, db.file);
    const bytes = readFileSync(dump);
    for (let i = 0; i < 16; i++) bytes[(bytes.length >> 1) + i]! ^= 0xff;
    writeFileSync(dump, bytes);
    // `storefront backup list` reads the same volume through its read-only Job, newest first.
    const listed = await cli(['backup', 'list', OLD, '-n', ns, '-o', 'json']);
    expect(listed.code, explain(listed)).toBe(0);
    const listing = JSON.parse(listed.stdout);
    expect(listing).toMatchObject({ namespace: ns, storefront: OLD, claim: `${OLD}-backups`, more: 0 });
    const names = [backup, CORRUPT_BACKUP].sort().reverse();
    expect(listing.backups.map((b: any) => b.name)).toEqual(names);
    expect(listing.backups.find((b: any) => b.name === backup)).toMatchObject({
      status: 'complete',
      size: manifest.size,
      postgresVersion: manifest.postgresVersion.split(' ')[0],
      appVersion: manifest.appVersion,
    });
    const table = await cli(['backup', 'list', OLD, '-n', ns]);
    expect(table.code, explain(table)).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${backup}\\s+\\S+\\s+complete\\s+\\S+\\s+\\S+\\s+15\\.`, 'm'));
    const left = kJson(['get', 'jobs', '-n', ns, '-l', 'app.kubernetes.io/component=backup-list']).items;
    expect(left.filter((j: any) => !j.metadata.deletionTimestamp)).toEqual([]);
  });

  it('when the Storefront is deleted with deletionPolicy Delete, then its data volume and the data are gone and the backups volume is kept', async () => {
    const dataClaim = podsOf(OLD, 'database')[0].spec.volumes.find((v: any) => v.persistentVolumeClaim)
      .persistentVolumeClaim.claimName;
    const dataPv = kJson(['get', 'pvc', dataClaim, '-n', ns]).spec.volumeName;
    const dataDir = kJson(['get', 'pv', dataPv]).spec.hostPath.path;
    // The volume held the database (PGDATA is pgdata/ on it) until now.
    expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION')), dataDir).toBe(true);
    const backupsDir = claimDir(`${OLD}-backups`);
    k(['delete', 'storefront', OLD, '-n', ns, '--wait=true', '--timeout=300s']);
    await waitFor(
      'the data volume, its PersistentVolume and its directory gone',
      () =>
        kTry(['get', 'pvc', dataClaim, '-n', ns]).status !== 0 &&
        kTry(['get', 'pv', dataPv]).status !== 0 &&
        !existsSync(dataDir),
      300_000,
    );
    expect(kJson(['get', 'pvc', `${OLD}-backups`, '-n', ns]).status.phase).toBe('Bound');
    expect(backupsIn(backupsDir)).toEqual([CORRUPT_BACKUP, backup].sort());
  });

  it('when a new Storefront on Postgres 17 restores the backup, then every order and the stock are back and the shop serves them', async () => {
    const from = (b: string) => ({ restore: { from: { backup: b, claimName: `${OLD}-backups` } } });
    // The failing restores start beside the good one (the next test checks them).
    k(
      ['apply', '-n', ns, '-f', '-'],
      storefrontDoc(MISSING, '17', from(MISSING_BACKUP), 'missing.localtest.me'),
    );
    k(
      ['apply', '-n', ns, '-f', '-'],
      storefrontDoc(CORRUPT, '17', from(CORRUPT_BACKUP), 'corrupt.localtest.me'),
    );
    k(
      ['apply', '-n', ns, '-f', '-'],
      storefrontDoc(
        NEW,
        '17',
        { ...from(backup), backup: { schedule: '* * * * *', retention: { count: KEEP } } },
        host,
      ),
    );
    // Nothing runs a backup of the new database before the restore is in it (a backup of the
    // empty database would count for retention and be what `latest` restores).
    const restoreDone = () => kJson(['get', 'job', `${NEW}-restore`, '-n', ns]).status?.succeeded === 1;
    let early = '';
    await waitFor(
      `the restore Job of ${NEW} done`,
      () => {
        const cron = kTry(['get', 'cronjob', `${NEW}-backup`, '-n', ns]).status === 0;
        const done = kTry(['get', 'job', `${NEW}-restore`, '-n', ns]).status === 0 && restoreDone();
        if (cron && !done) early ||= `CronJob ${NEW}-backup existed before Job ${NEW}-restore succeeded`;
        return done;
      },
      900_000,
    );
    expect(early).toBe('');
    await waitReady(ns, NEW, 900_000);
    expect(condition(ns, NEW, 'Restored')).toMatchObject({ status: 'True', reason: 'Restored' });
    expect(psql(NEW, 'SHOW server_version_num')).toMatch(/^17/);
    expect(shopData(NEW)).toEqual(before);
    const ca = storefrontCa(ns, NEW);
    const served = await frontDoorServes(port, host, ca, `/api/orders/${orderIds[0]}`, {
      what: 'the front door to serve the restored shop',
    });
    expect(JSON.parse(served.body).email).toBe('buyer0@example.com');
    for (const [i, id] of orderIds.entries()) {
      const res = await httpsRequest(port, host, ca, `/api/orders/${id}`);
      expect(res.status, res.body).toBe(200);
      expect(JSON.parse(res.body).email).toBe(`buyer${i}@example.com`);
    }
    const stock = JSON.parse(before.stock) as [number, string, number][];
    for (const [id, , units] of stock.slice(0, 3)) {
      const res = await httpsRequest(port, host, ca, `/api/products/${id}`);
      expect(JSON.parse(res.body).stock, res.body).toBe(units);
    }
  });

  it('when a Storefront restores a missing or a corrupt backup, then its Restored condition names it, the database stays empty and the app never starts', async () => {
    const cases = [
      [MISSING, MISSING_BACKUP, /not found/],
      [CORRUPT, CORRUPT_BACKUP, /corrupt \(checksum mismatch/],
    ] as const;
    for (const [name, backupName, why] of cases) {
      const restored = await waitFor(
        `Restored False on ${name}`,
        () => {
          const c = condition(ns, name, 'Restored');
          return c?.status === 'False' && c.reason === 'RestoreFailed' ? c : undefined;
        },
        600_000,
      );
      expect(restored.message).toContain(`backup ${backupName}`);
      expect(restored.message).toContain(`${OLD}-backups`);
      // The cause is in the condition itself, from the restore pod's termination message.
      expect(restored.message).toMatch(why);
      expect(condition(ns, name, 'Ready')?.status, name).toBe('False');
      // The restore pods' own verdict (their termination message) says why.
      const pods: any[] = kJson(['get', 'pods', '-n', ns, '-l', `job-name=${name}-restore`]).items;
      const messages = pods.map((p) => p.status.containerStatuses?.[0]?.state?.terminated?.message ?? '');
      expect(messages.join('\n')).toMatch(why);
      expect(tableCount(name), `${name}: tables in its database`).toBe(0);
      expect(podsOf(name, 'app'), `${name}: app pods`).toEqual([]);
      expect(kTry(['get', 'deployment', `${name}-app`, '-n', ns]).status, `${name}: app Deployment`).not.toBe(
        0,
      );
    }
  });

  it('when backups run on their schedule, then retention keeps exactly the newest count and BackupReady is True', async () => {
    for (const name of [MISSING, CORRUPT]) k(['delete', 'storefront', name, '-n', ns, '--wait=false']);
    const dir = claimDir(`${NEW}-backups`);
    const succeeded = () =>
      kJson(['get', 'jobs', '-n', ns]).items.filter(
        (j: any) =>
          j.metadata.ownerReferences?.some((o: any) => o.kind === 'CronJob') &&
          j.metadata.labels?.['app.kubernetes.io/instance'] === NEW &&
          j.status?.succeeded === 1,
      ).length;
    // KEEP + 1 runs: the first that had to delete one.
    await waitFor(`${KEEP + 1} scheduled backups of ${NEW}`, () => succeeded() >= KEEP + 1, 600_000);
    expect(backupsIn(dir)).toHaveLength(KEEP);
    const ready = condition(ns, NEW, 'BackupReady');
    expect(ready?.status, JSON.stringify(ready)).toBe('True');
    const status = kJson(['get', 'storefront', NEW, '-n', ns]).status;
    expect(Date.parse(status.backups.lastSuccessfulTime)).toBeGreaterThan(0);
  });

  it('when the backups volume is full, then the next scheduled backup fails and BackupReady says so', async () => {
    const dir = claimDir(`${NEW}-backups`);
    // A one-page (4 KiB) file system over the volume's directory: the next run's pods see a full volume.
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4k,mode=0777', 'tmpfs', dir], {
      encoding: 'utf8',
    });
    expect(mounted.status, mounted.stderr).toBe(0);
    mounts.push(dir);
    const failed = await waitFor(
      'BackupReady False',
      () => {
        const c = condition(ns, NEW, 'BackupReady');
        return c?.status === 'False' ? c : undefined;
      },
      600_000,
    );
    // The condition names the failed Job; its pod's termination message (backup.sh) says why.
    expect(failed.reason).toBe('BackupFailed');
    const job = /backup Job (\S+) failed/.exec(failed.message)?.[1];
    expect(job, failed.message).toBeDefined();
    const pods: any[] = kJson(['get', 'pods', '-n', ns, '-l', `job-name=${job}`]).items;
    const why = pods.map((p) => p.status.containerStatuses?.[0]?.state?.terminated?.message ?? '').join('\n');
    expect(why).toMatch(/backup failed: pg_dump of database storefront failed/);
    // The condition carries the cause: pg_dump's own error, relayed by backup.sh.
    expect(failed.message).toMatch(
      /backup failed: pg_dump of database storefront failed: .*No space left on device/,
    );
    expect(
      Date.parse(kJson(['get', 'storefront', NEW, '-n', ns]).status.backups.lastFailedTime),
    ).toBeGreaterThan(0);
    // The shop itself is untouched by a failing backup.
    expect(condition(ns, NEW, 'Ready')?.status).toBe('True');
  });
});
