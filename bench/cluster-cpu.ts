// CPU time each local control-plane process has used so far, read from /proc through the PID files
// the harness writes. The operator benchmark prints the split per run so its time-to-Ready figure is
// read against what the simulated cluster itself spent on the same 2 cores.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream kernel build.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) per component, e.g. { 'kube-apiserver': 812.4, etcd: 120.3 }. */
export function clusterCpuSeconds(stateDir: string): Record<string, number> {
  const seconds: Record<string, number> = {};
  const pidDir = join(stateDir, 'pids');
  for (const file of readdirSync(pidDir).filter((f) => f.endsWith('.pid'))) {
    const { pid } = JSON.parse(readFileSync(join(pidDir, file), 'utf8')) as { pid: number };
    seconds[file.replace(/\.pid$/, '')] = processCpuSeconds(pid);
  }
  return seconds;
}

function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the full line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** "kube-apiserver 812 s, etcd 120 s, …", largest first, over the interval between two readings. */
export function cpuSplit(before: Record<string, number>, after: Record<string, number>): string {
  return Object.entries(after)
    .map(([name, s]) => [name, s - (before[name] ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${s.toFixed(0)} s`)
    .join(', ');
}
