import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Whether a process with this PID exists (EPERM: it does, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, holding our PID).
 * A lock left by a dead process is taken over, so a crashed run never wedges the next one.
 */
export async function withLock<T>(
  path: string,
  fn: () => Promise<T>,
  onWait?: (holderPid: number) => void,
): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let raw: string;
      try {
        raw = readFileSync(path, 'utf8').trim();
      } catch {
        continue; // released between our open and read
      }
      const holder = Number(raw);
      if (!Number.isInteger(holder) || holder <= 0 || !pidAlive(holder)) {
        // Stale: the holder died (or is between create and write: give it a moment first).
        await sleep(200);
        try {
          if (readFileSync(path, 'utf8').trim() === raw) rmSync(path);
        } catch {}
        continue;
      }
      if (!announced) {
        onWait?.(holder);
        announced = true;
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
