// Detached daemons with PID files and logs in a cluster's state directory: the control plane's
// components and the real node's (those run inside the node's network namespace via nsenter).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** One daemon: `bin args`, run inside the network namespace `netns` (a /run/netns path) when set. */
export type Daemon = {
  name: string;
  bin: string;
  args: string[];
  netns?: string;
  env?: Record<string, string>;
};
type PidFile = { pid: number; bin: string };

const nsenter = '/usr/bin/nsenter';
const pidPath = (stateDir: string, name: string) => join(stateDir, 'pids', `${name}.pid`);
const stderrLog = (line: string) => process.stderr.write(`[cluster] ${line}\n`);

/** The PID if it is alive and still runs the binary we started (PIDs get reused). */
export function livePid(stateDir: string, name: string): number | undefined {
  let pidFile: PidFile;
  try {
    pidFile = JSON.parse(readFileSync(pidPath(stateDir, name), 'utf8')) as PidFile;
  } catch {
    return undefined;
  }
  try {
    // nsenter execs the daemon: for an instant after the start the PID still runs nsenter.
    const exe = readlinkSync(`/proc/${pidFile.pid}/exe`);
    if (exe !== pidFile.bin && exe !== nsenter) return undefined;
    const stat = readFileSync(`/proc/${pidFile.pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z/.test(stat)) return undefined; // zombie
    return pidFile.pid;
  } catch {
    return undefined;
  }
}

export function startComponent(stateDir: string, component: Daemon): number {
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  mkdirSync(join(stateDir, 'pids'), { recursive: true });
  const logPath = join(logDir, `${component.name}.log`);
  const fd = openSync(logPath, 'a');
  writeFileSync(
    fd,
    `\n==== ${new Date().toISOString()} starting ${component.bin} ${component.args.join(' ')}\n`,
  );
  // detached: its own session and process group, so it outlives `cluster:up` and can be
  // signalled as a group without touching anything else.
  const [cmd, args] = component.netns
    ? [nsenter, [`--net=${component.netns}`, '--', component.bin, ...component.args]]
    : [component.bin, component.args];
  const child = spawn(cmd, args, {
    cwd: stateDir,
    detached: true,
    stdio: ['ignore', fd, fd],
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: process.env['HOME'] ?? stateDir,
      ...component.env,
    },
  });
  closeSync(fd);
  child.on('error', (err) => stderrLog(`${component.name} failed to start: ${err.message}`));
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${component.bin}; see ${logPath}`);
  const pidFile: PidFile = { pid: child.pid, bin: component.bin };
  writeFileSync(pidPath(stateDir, component.name), `${JSON.stringify(pidFile)}\n`);
  return child.pid;
}

export async function stopComponent(stateDir: string, name: string, graceMs: number): Promise<void> {
  const pid = livePid(stateDir, name);
  if (pid !== undefined) {
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig); // the process group we created (detached)
      } catch {
        try {
          process.kill(pid, sig);
        } catch {}
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (livePid(stateDir, name) !== undefined && Date.now() < deadline) await sleep(100);
    if (livePid(stateDir, name) !== undefined) {
      signal('SIGKILL');
      while (livePid(stateDir, name) !== undefined) await sleep(50);
    }
  }
  rmSync(pidPath(stateDir, name), { force: true });
}

export function tailLog(stateDir: string, name: string, lines = 25): string {
  try {
    const text = readFileSync(join(stateDir, 'logs', `${name}.log`), 'utf8')
      .trimEnd()
      .split('\n');
    return `--- last lines of ${join(stateDir, 'logs', `${name}.log`)}:\n${text.slice(-lines).join('\n')}`;
  } catch {
    return '';
  }
}

/** Loopback ports free right now (the OS picks them). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}
