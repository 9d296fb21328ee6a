import { createServer } from 'node:net';
import { eventually } from '../../support/eventually.ts';

/** A port that was free on loopback a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** eventually() with the app tests' pace (a local server answers within milliseconds). */
export function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) {
  return eventually(what, probe, { timeoutMs, intervalMs: 100 });
}

const spawned = new Set<{ kill: (signal: NodeJS.Signals) => boolean; exitCode: number | null }>();
let hooked = false;

/**
 * Registers a child (postgres, redis-server) to be killed if this process exits without stopping
 * it (a crashed test run, a timeout), so no private server outlives its test.
 */
export function killOnExit(child: { kill: (signal: NodeJS.Signals) => boolean; exitCode: number | null }) {
  spawned.add(child);
  if (hooked) return;
  hooked = true;
  const killAll = () => {
    for (const c of spawned) if (c.exitCode === null) c.kill('SIGKILL');
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}
