// `storefront backup list`: reading what the listing Job's pod reported (its termination message,
// written by the list script in render/backup-scripts.ts) and printing it. Pure.
import { table } from './queries.ts';

export interface BackupEntry {
  /** The backup's name: the UTC time it started, as restore.from.backup takes it. */
  name: string;
  /** That time, RFC 3339. */
  time: string;
  /** complete: restorable (has its manifest); partial: being written, or a run that died. */
  status: 'complete' | 'partial';
  size: number;
  /** Seconds between the backup's start and the API server's clock now. */
  ageSeconds: number;
  postgresVersion?: string;
  appVersion?: string;
}

export interface BackupListing {
  backups: BackupEntry[];
  /** Backups on the volume not listed: older ones that did not fit the 4 KiB termination message. */
  more: number;
}

const NAME = /^([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z$/;

/** The time a backup name stands for (`20261201T031500Z` -> `2026-12-01T03:15:00Z`). */
export function backupTime(name: string): string {
  const m = NAME.exec(name);
  if (!m) throw new Error(`"${name}" is not a backup name (UTC time such as 20261201T031500Z)`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
}

/**
 * Parses the listing: one JSON line per backup, then `{"total":N,"more":M}`. Without that closing
 * line the script did not finish (or did not run), and nothing is made up: `where` names the pod.
 */
export function parseListing(message: string, now: number, where: string): BackupListing {
  const text = message.trim();
  if (text.startsWith('backup list failed:')) throw new Error(`${where}: ${text}`);
  const lines = text ? text.split('\n') : [];
  let end: { total?: unknown; more?: unknown } | undefined;
  try {
    end = lines.length ? JSON.parse(lines[lines.length - 1]!) : undefined;
  } catch {
    end = undefined;
  }
  if (typeof end?.total !== 'number' || typeof end.more !== 'number')
    throw new Error(
      `${where} reported no listing (its termination message ${text ? `ends with "${lines[lines.length - 1]!.slice(0, 80)}"` : 'is empty'}; the list script did not run to its end)`,
    );
  const backups = lines.slice(0, -1).map((line): BackupEntry => {
    const b = JSON.parse(line) as Partial<BackupEntry>;
    if (typeof b.name !== 'string' || (b.status !== 'complete' && b.status !== 'partial'))
      throw new Error(`${where} reported a line that is not a backup: ${line.slice(0, 120)}`);
    const time = backupTime(b.name);
    return {
      name: b.name,
      time,
      status: b.status,
      size: Number(b.size ?? 0),
      ageSeconds: Math.max(0, Math.floor((now - Date.parse(time)) / 1000)),
      ...(b.postgresVersion ? { postgresVersion: b.postgresVersion } : {}),
      ...(b.appVersion ? { appVersion: b.appVersion } : {}),
    };
  });
  return { backups, more: end.more };
}

/** Bytes as kubectl-style binary units: 812B, 14.2KiB, 3.0GiB. */
export function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v.toFixed(1)}${units[i]}`;
}

/** An age as kubectl prints one: 45s, 12m, 5h, 3d (the two largest units below a day: 2h5m). */
export function humanAge(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return h && d < 10 ? `${d}d${h}h` : `${d}d`;
  if (h > 0) return m && h < 10 ? `${h}h${m}m` : `${h}h`;
  if (m > 0) return `${m}m`;
  return `${seconds}s`;
}

export function listingTable(listing: BackupListing, claim: string): string {
  if (!listing.backups.length) return `no backups on PersistentVolumeClaim ${claim}\n`;
  const rows = listing.backups.map((b) => [
    b.name,
    b.time,
    b.status,
    humanBytes(b.size),
    humanAge(b.ageSeconds),
    b.postgresVersion ?? '-',
    b.appVersion ?? '-',
  ]);
  const more = listing.more
    ? `(${listing.more} older backups not shown: the listing pod's termination message holds 4 KiB)\n`
    : '';
  return `${table(['NAME', 'TIME', 'STATUS', 'SIZE', 'AGE', 'POSTGRES', 'APP'], rows)}\n${more}`;
}
