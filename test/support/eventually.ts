// The one way tests wait: poll a check with a generous deadline (tests must not fail because the
// machine is slow, and never assert durations). A check that throws is retried; its last error is
// in the timeout message.
import { setTimeout as sleep } from 'node:timers/promises';

export interface EventuallyOptions {
  /** @default 180_000 */
  timeoutMs?: number;
  /** @default 250; kubectl-backed checks use more (each poll spawns a process) */
  intervalMs?: number;
  /** Appended to the timeout message (e.g. a log tail). */
  describe?: () => string;
}

type Pending = undefined | null | false | '';

/** Resolves with the first value of `check` that is not undefined, null, false or ''. */
export async function eventually<T>(
  what: string,
  check: () => T | Pending | Promise<T | Pending>,
  options: EventuallyOptions | number = {},
): Promise<Exclude<T, Pending>> {
  const {
    timeoutMs = 180_000,
    intervalMs = 250,
    describe,
  } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false && value !== '')
        return value as Exclude<T, Pending>;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const extra = describe?.() ?? '';
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}${extra ? `\n${extra}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}
