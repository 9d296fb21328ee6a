// The operator as the scale benchmark runs it: its own process, started the way the image starts
// it (the Dockerfile's ENTRYPOINT and CMD, read from the Dockerfile, with NODE_ENV=production;
// the bundle it names is built from the sources first, as the image's build does), measured from
// the outside — CPU and memory from /proc, API requests from its /metrics.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCli } from '../scripts/build-cli.ts';
import { freePort, killOnExit } from '../test/app/support/ports.ts';

const ROOT = join(import.meta.dirname, '..');
// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const TICKS_PER_SECOND = 100;
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'apply', 'delete', 'deletecollection']);
/** dist/cli, built once per benchmark run from the sources as they are now. */
let bundle: Promise<unknown> | undefined;

export interface OperatorProcessOptions {
  kubeconfig: string;
  /** Appended to (stdout and stderr). */
  logFile: string;
  concurrency: number;
  qps: number;
  burst: number;
  /** Extra `node` flags before the entry point (profiling). */
  nodeFlags?: string[];
}

export interface ProcStats {
  /** Resident set now, and its high-water mark since the process started (VmHWM), in bytes. */
  rss: number;
  peakRss: number;
  /** CPU time used since start (user + system), in milliseconds. */
  cpuMs: number;
}

/** Memory and CPU of a live process, from /proc. */
export function procStats(pid: number): ProcStats {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  const { userMs, systemMs } = statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { rss: kib('VmRSS'), peakRss: kib('VmHWM'), cpuMs: userMs + systemMs };
}

/** The command name and CPU times (utime, stime) of a /proc/<pid>/stat or task stat line. */
function statCpu(stat: string): { name: string; userMs: number; systemMs: number } {
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, close),
    userMs: (Number(fields[11]) * 1000) / TICKS_PER_SECOND,
    systemMs: (Number(fields[12]) * 1000) / TICKS_PER_SECOND,
  };
}

/** One thread's CPU time (user, system) in milliseconds, by the name the kernel shows for it. */
export interface ThreadCpu {
  name: string;
  userMs: number;
  systemMs: number;
}

/**
 * CPU time of each thread of a live process, from /proc/<pid>/task: Node's main thread (the
 * process's own name) runs JavaScript, the TLS and HTTP/2 framing and the system calls of its
 * sockets; `V8 DefaultWorke` threads do the garbage collector's parallel and concurrent work;
 * `libuv-worker` threads crypto and file work handed off the main thread.
 */
export function threadCpu(pid: number): ThreadCpu[] {
  const threads: ThreadCpu[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // ended since the directory was read
    }
    const { name, userMs, systemMs } = statCpu(stat);
    threads.push({ name: tid === String(pid) ? 'main' : name, userMs, systemMs });
  }
  return threads;
}

/**
 * Where a process's CPU went between two threadCpu() readings, summed by thread name: e.g.
 * `main 9.1 s (user 7.0, system 2.1), V8 DefaultWorke 2.3 s, libuv-worker 0.4 s`. Threads that
 * ended in between are missing from the total (Node's keep running for the process's life).
 */
export function threadCpuSplit(before: ThreadCpu[], after: ThreadCpu[]): string {
  const sum = (list: ThreadCpu[]) => {
    const byName = new Map<string, { user: number; system: number }>();
    for (const t of list) {
      const s = byName.get(t.name) ?? { user: 0, system: 0 };
      s.user += t.userMs;
      s.system += t.systemMs;
      byName.set(t.name, s);
    }
    return byName;
  };
  const b = sum(before);
  const rows = [...sum(after)]
    .map(([name, a]) => {
      const was = b.get(name) ?? { user: 0, system: 0 };
      return { name, user: a.user - was.user, system: a.system - was.system };
    })
    .filter((r) => r.user + r.system > 0)
    .sort((x, y) => y.user + y.system - (x.user + x.system));
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return rows
    .map((r) => `${r.name} ${s(r.user + r.system)} s (user ${s(r.user)}, system ${s(r.system)})`)
    .join(', ');
}

/**
 * The image's command line (`ENTRYPOINT` + `CMD` of the Dockerfile, exec form), so node flags set
 * for production are the ones measured. Paths in it are relative to the image's WORKDIR, which
 * holds the repository's layout.
 */
export function imageCommand(dockerfile = join(ROOT, 'Dockerfile')): string[] {
  const text = readFileSync(dockerfile, 'utf8');
  const exec = (instruction: string) => {
    const line = new RegExp(`^${instruction}\\s+(\\[.*\\])\\s*$`, 'm').exec(text)?.[1];
    if (!line) throw new Error(`${dockerfile}: no ${instruction} in exec form (["node", ...])`);
    return JSON.parse(line) as string[];
  };
  const command = [...exec('ENTRYPOINT'), ...exec('CMD')];
  if (command[0] !== 'node') throw new Error(`${dockerfile}: the ENTRYPOINT does not start with node`);
  return command;
}

/** Counters read from the operator's /metrics. */
export interface OperatorCounters {
  /** API requests by verb. */
  requests: Record<string, number>;
  writes: number;
  reconciles: number;
  queueDepth: number;
  /** V8 heap in use (prom-client's process metrics): what the caches hold, without GC timing. */
  heapUsed: number;
  /** Watch events the informers received (every kind), and by kind. */
  watchEvents: number;
  watchEventsByKind: Record<string, number>;
}

export class OperatorProcess {
  readonly pid: number;
  private readonly child: ChildProcess;
  private readonly metricsUrl: string;
  private exited = false;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.pid = child.pid!;
    this.metricsUrl = `http://127.0.0.1:${port}`;
    child.once('exit', () => {
      this.exited = true;
    });
  }

  static async start(options: OperatorProcessOptions): Promise<OperatorProcess> {
    bundle ??= buildCli();
    await bundle;
    const port = await freePort();
    const log = openSync(options.logFile, 'a');
    const [, ...image] = imageCommand();
    const entry = image.findIndex((a) => !a.startsWith('-'));
    const child = spawn(
      process.execPath,
      [
        ...image.slice(0, entry),
        ...(options.nodeFlags ?? []),
        ...image.slice(entry),
        `--kubeconfig=${options.kubeconfig}`,
        '--no-leader-elect',
        `--concurrency=${options.concurrency}`,
        `--qps=${options.qps}`,
        `--burst=${options.burst}`,
        `--health-port=${port}`,
        '--resync=10m',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', log, log],
        env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.OPERATOR_LOG_LEVEL ?? 'info' },
      },
    );
    closeSync(log);
    // A bench that dies or is stopped (Ctrl-C, `timeout`) takes its operator with it: an orphan
    // keeps watching, and its CPU lands in the next run's figures.
    killOnExit(child);
    const op = new OperatorProcess(child, port);
    await op.waitReady();
    return op;
  }

  stats(): ProcStats {
    return procStats(this.pid);
  }

  threads(): ThreadCpu[] {
    return threadCpu(this.pid);
  }

  /** /readyz answers 200 once every informer listed its kind. */
  private async waitReady(): Promise<void> {
    const t0 = Date.now();
    for (;;) {
      if (this.exited) throw new Error(`the operator process exited during start-up; see its log`);
      try {
        const res = await fetch(`${this.metricsUrl}/readyz`);
        await res.text();
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() - t0 > 120_000) throw new Error('the operator was not ready within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async counters(): Promise<OperatorCounters> {
    const text = await (await fetch(`${this.metricsUrl}/metrics`)).text();
    const requests: Record<string, number> = {};
    let reconciles = 0;
    let queueDepth = 0;
    let heapUsed = Number.NaN;
    let watchEvents = 0;
    const watchEventsByKind: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const ev = /^storefront_informer_events_total\{kind="([^"]*)"\} (\S+)$/.exec(line);
      if (ev) {
        watchEvents += Number(ev[2]);
        watchEventsByKind[ev[1]!] = Number(ev[2]);
      }
      const req = /^storefront_kube_api_requests_total\{verb="([^"]+)",code="[^"]*"\} (\S+)$/.exec(line);
      if (req) requests[req[1]!] = (requests[req[1]!] ?? 0) + Number(req[2]);
      const rec = /^storefront_reconcile_total\{[^}]*\} (\S+)$/.exec(line);
      if (rec) reconciles += Number(rec[1]);
      const depth = /^storefront_workqueue_depth\{[^}]*\} (\S+)$/.exec(line);
      if (depth) queueDepth += Number(depth[1]);
      const heap = /^storefront_nodejs_heap_size_used_bytes (\S+)$/.exec(line);
      if (heap) heapUsed = Number(heap[1]);
    }
    const writes = Object.entries(requests)
      .filter(([verb]) => WRITE_VERBS.has(verb))
      .reduce((a, [, n]) => a + n, 0);
    return { requests, writes, reconciles, queueDepth, heapUsed, watchEvents, watchEventsByKind };
  }

  /** SIGTERM (drains in-flight reconciles), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

export const mib = (bytes: number) => bytes / 2 ** 20;
