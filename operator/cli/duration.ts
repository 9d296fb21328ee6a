// Durations as Go's time.ParseDuration reads them (what helm's and kubectl's --timeout take):
// `5m0s`, `1m30s`, `1.5h`, `300ms`, `0`. Pure; the flag name goes into the error.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/** Milliseconds in a Go duration; throws naming the flag and the accepted shape. */
export function parseDuration(flag: string, value: string): number {
  const bad = () => new Error(`--${flag} must be a duration like 90s, 5m0s, 1m30s or 1h, got "${value}"`);
  const text = value.trim();
  if (text === '0') return 0;
  if (!text) throw bad();
  let ms = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const m = TERM.exec(text);
    if (!m) throw bad();
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return Math.round(ms);
}
