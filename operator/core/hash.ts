// Content hashes: the same value gives the same hash whatever order its keys were written in (a
// spec defaulted here and one read back from the API server hash alike).
import { createHash } from 'node:crypto';

/** sha256 of the value's canonical JSON (keys sorted, undefined fields dropped), 32 hex characters. */
export function objectHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
