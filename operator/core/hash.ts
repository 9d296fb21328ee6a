// Content hashes: the same value gives the same hash whatever order its keys were written in (a
// spec defaulted here and one read back from the API server hash alike).
import { createHash } from 'node:crypto';

/** sha256 of the value's canonical JSON (keys sorted, undefined fields dropped), 32 hex characters. */
export function objectHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/**
 * Written as one loop per level rather than map/filter/join: every apply hashes each rendered
 * object, and the intermediate arrays of the functional form were a visible share of the
 * operator's allocations. Output unchanged (hashes stay stable across operator upgrades).
 */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // As JSON.stringify's elements would be joined: an undefined element leaves an empty slot.
      out += canonicalJson(value[i]) ?? '';
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    if (!first) out += ',';
    first = false;
    out += `${JSON.stringify(key)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}
