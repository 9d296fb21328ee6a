import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The shop's layers (routes → domain ← data), checked on the import lines of every source file. */
const SRC = join(import.meta.dirname);

function imports(dir: string): { file: string; from: string }[] {
  const out: { file: string; from: string }[] = [];
  for (const file of readdirSync(join(SRC, dir)).filter(
    (f) => f.endsWith('.ts') && !f.endsWith('.test.ts'),
  )) {
    const text = readFileSync(join(SRC, dir, file), 'utf8');
    for (const m of text.matchAll(/^(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm))
      out.push({ file: `${dir}/${file}`, from: m[1]! });
  }
  return out;
}

describe('the shop layers', () => {
  it('when the domain imports, then never pg, ioredis, express, the data layer or the server layer', () => {
    const bad = imports('domain').filter(
      (i) =>
        /^(pg|ioredis|express)$/.test(i.from) ||
        i.from.startsWith('../data/') ||
        i.from.startsWith('../server/'),
    );
    expect(bad).toEqual([]);
  });

  it('when routes import, then never the data layer (they call the domain only)', () => {
    const bad = imports('routes').filter(
      (i) => i.from.startsWith('../data/') || /^(pg|ioredis)$/.test(i.from),
    );
    expect(bad).toEqual([]);
  });
});
