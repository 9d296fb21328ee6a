// `--wait`: poll the live children and judge them with computeStatus — the operator's readiness —
// until the Storefront is Ready, a component fails for good, or the timeout. Progress per
// component is redrawn in place on a TTY and printed as plain lines (on change only) otherwise.
import type { Condition, Storefront, StorefrontStatus } from '../api/types.ts';
import { dateOf, realClock, sleep } from '../core/clock.ts';
import type { KubeClient } from '../kube/client.ts';
import type { WaitOptions } from '../kube/wait.ts';
import { observe } from '../observe/children.ts';
import { getReader } from '../observe/reader.ts';
import { COMPONENT_CONDITIONS, computeStatus } from '../status/conditions.ts';
import { DeployError, EXIT } from './errors.ts';

/** kube/wait.ts's options (interval, clock, signal), with a required timeout and where progress goes. */
export interface ReadyWaitOptions extends WaitOptions {
  timeoutMs: number;
  /** Where progress goes (stderr). */
  write: (text: string) => void;
  tty: boolean;
}

/** Reasons that will not fix themselves by waiting longer. */
const TERMINAL_REASONS = new Set(['MigrationFailed']);

const components = (s: StorefrontStatus): Condition[] =>
  COMPONENT_CONDITIONS.map((t) => s.conditions?.find((c) => c.type === t)).filter((c): c is Condition => !!c);

/** Pure: one line per component, e.g. `  ✓ DatabaseReady  StatefulSet shop-postgres: 1/1 ready`. */
export function progressLines(status: StorefrontStatus, tty: boolean): string[] {
  return components(status).map((c) => {
    const mark =
      c.status === 'True' ? (tty ? '\x1b[32m✓\x1b[0m' : 'ready  ') : tty ? '\x1b[33m…\x1b[0m' : 'waiting';
    return `  ${mark} ${c.type.padEnd(14)} ${c.reason}: ${c.message}`;
  });
}

/** Pure: the failure message naming every component that is not ready and why. */
export function notReadySummary(status: StorefrontStatus): string {
  const failing = components(status).filter((c) => c.status !== 'True');
  if (!failing.length) return 'every component is ready';
  return failing
    .map((c) => `${c.type.replace(/Ready$/, '')} not ready (${c.reason}): ${c.message}`)
    .join('; ');
}

const isReady = (s: StorefrontStatus) => s.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

export async function waitForReady(
  client: KubeClient,
  sf: Storefront,
  namespace: string,
  options: ReadyWaitOptions,
): Promise<StorefrontStatus> {
  const clock = options.clock ?? realClock;
  const started = clock.now();
  const deadline = started + options.timeoutMs;
  let current: Storefront = sf;
  let drawn = 0;
  const lastLine = new Map<string, string>();
  for (;;) {
    const status = computeStatus(current, await observe(getReader(client), sf, namespace), dateOf(clock));
    current = { ...current, status };
    const lines = progressLines(status, options.tty);
    if (options.tty) {
      options.write(`${drawn ? `\x1b[${drawn}A` : ''}${lines.map((l) => `\x1b[2K${l}\n`).join('')}`);
      drawn = lines.length;
    } else {
      const at = `[${Math.round((clock.now() - started) / 1000)}s]`;
      components(status).forEach((c, i) => {
        if (lastLine.get(c.type) !== lines[i]) options.write(`${at}${lines[i]}\n`);
        lastLine.set(c.type, lines[i]!);
      });
    }
    if (isReady(status)) return status;
    const terminal = components(status).find((c) => c.status !== 'True' && TERMINAL_REASONS.has(c.reason));
    if (terminal) {
      throw new DeployError(`Storefront ${namespace}/${sf.metadata.name} failed: ${notReadySummary(status)}`);
    }
    if (clock.now() >= deadline) {
      throw new DeployError(
        `timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for Storefront ${namespace}/${sf.metadata.name}: ${notReadySummary(status)}`,
        EXIT.timeout,
      );
    }
    await sleep(clock, Math.min(options.intervalMs ?? 1000, Math.max(0, deadline - clock.now())));
  }
}
