import { describe, expect, it } from 'vitest';
import { backupTime, humanAge, humanBytes, listingTable, parseListing } from './backup-listing.ts';

const NOW = Date.parse('2026-12-01T06:00:00Z');
const WHERE = 'listing Job web/shop-backup-list-x';
const message = [
  '{"name":"20261201T031500Z","status":"complete","size":1536000,"postgresVersion":"17.6","appVersion":"0.2.0"}',
  '{"name":"20261130T031500Z","status":"partial","size":812}',
  '{"total":2,"more":0}',
].join('\n');

describe('backup listing', () => {
  it('when the list script reported backups, then each has its time and age from the API server clock', () => {
    expect(parseListing(`${message}\n`, NOW, WHERE)).toEqual({
      more: 0,
      backups: [
        {
          name: '20261201T031500Z',
          time: '2026-12-01T03:15:00Z',
          status: 'complete',
          size: 1536000,
          ageSeconds: 2 * 3600 + 45 * 60,
          postgresVersion: '17.6',
          appVersion: '0.2.0',
        },
        {
          name: '20261130T031500Z',
          time: '2026-11-30T03:15:00Z',
          status: 'partial',
          size: 812,
          ageSeconds: 26 * 3600 + 45 * 60,
        },
      ],
    });
  });

  it('when printed as a table, then it has one row per backup with human sizes and ages', () => {
    const text = listingTable(parseListing(message, NOW, WHERE), 'shop-backups');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+TIME\s+STATUS\s+SIZE\s+AGE\s+POSTGRES\s+APP$/);
    expect(lines[1]).toMatch(
      /^20261201T031500Z\s+2026-12-01T03:15:00Z\s+complete\s+1\.5MiB\s+2h45m\s+17\.6\s+0\.2\.0$/,
    );
    expect(lines[2]).toMatch(/^20261130T031500Z\s+2026-11-30T03:15:00Z\s+partial\s+812B\s+1d2h\s+-\s+-$/);
    expect(lines).toHaveLength(3);
  });

  it('when older backups did not fit the termination message, then the table says how many are not shown', () => {
    const cut = message.replace('{"total":2,"more":0}', '{"total":40,"more":38}');
    const listing = parseListing(cut, NOW, WHERE);
    expect(listing.more).toBe(38);
    expect(listingTable(listing, 'shop-backups')).toContain('(38 older backups not shown');
  });

  it('when the volume holds no backup, then the table says so naming the volume', () => {
    const listing = parseListing('{"total":0,"more":0}', NOW, WHERE);
    expect(listing.backups).toEqual([]);
    expect(listingTable(listing, 'shop-backups')).toBe('no backups on PersistentVolumeClaim shop-backups\n');
  });

  it('when the pod reported nothing or was cut short, then it is an error, never an empty listing', () => {
    expect(() => parseListing('', NOW, WHERE)).toThrow(
      `${WHERE} reported no listing (its termination message is empty; the list script did not run to its end)`,
    );
    expect(() => parseListing(message.split('\n').slice(0, 2).join('\n'), NOW, WHERE)).toThrow(
      /reported no listing \(its termination message ends with "\{"name":"20261130T031500Z"/,
    );
    expect(() =>
      parseListing('backup list failed: cannot read the backups volume (/backups)', NOW, WHERE),
    ).toThrow(`${WHERE}: backup list failed: cannot read the backups volume (/backups)`);
    expect(() =>
      parseListing('{"name":"nope","status":"complete"}\n{"total":1,"more":0}', NOW, WHERE),
    ).toThrow('"nope" is not a backup name');
  });

  it('when sizes, ages and names are converted, then they read as kubectl prints them', () => {
    expect([0, 1023, 1024, 5 * 1024 ** 3].map(humanBytes)).toEqual(['0B', '1023B', '1.0KiB', '5.0GiB']);
    expect([5, 125, 3600, 3 * 86400 + 7200, 12 * 86400].map(humanAge)).toEqual([
      '5s',
      '2m',
      '1h',
      '3d2h',
      '12d',
    ]);
    expect(backupTime('20261201T031500Z')).toBe('2026-12-01T03:15:00Z');
  });
});
