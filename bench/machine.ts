// The machine a benchmark ran on, printed with every result so figures are never read bare.
import { cpus, totalmem } from 'node:os';

export function machineLine(): string {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  return `${new Date().toISOString()} | ${cpus().length} cores (${cpu}) | ${(totalmem() / 2 ** 30).toFixed(0)} GiB | Node ${process.version} | ${process.platform}/${process.arch}`;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
