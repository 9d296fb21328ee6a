import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Informer } from '../kube/informer.ts';
import { ChildCache } from '../observe/child-cache.ts';
import type { OwnedKind } from '../observe/owned-kinds.ts';
import { LateWatches } from './late-watches.ts';
import { createLogger } from './logger.ts';

const silent = createLogger({
  destination: new Writable({
    write(_c, _e, cb) {
      cb();
    },
  }),
});

/** What LateWatches touches of an informer: the child cache's index and `synced`. */
function informerOf(kind: OwnedKind, synced: Promise<void>): Informer {
  return { kind, synced, addIndex: () => {} } as unknown as Informer;
}

function lateWatches() {
  const created: string[] = [];
  const watched: string[] = [];
  let sync!: () => void;
  const synced = new Promise<void>((r) => {
    sync = r;
  });
  const cache = new ChildCache();
  const late = new LateWatches({
    cache,
    informer: (kind) => {
      created.push(kind.kind);
      return informerOf(kind, synced);
    },
    watch: (informer) => watched.push((informer as unknown as { kind: OwnedKind }).kind.kind),
    logger: silent,
  });
  return { late, cache, created, watched, sync };
}

describe('LateWatches (a Manager runnable)', () => {
  it('when a kind is needed before the runnable starts, then its watch begins at start, once, and ensure resolves when it synced', async () => {
    const { late, cache, created, watched, sync } = lateWatches();
    let done = false;
    const first = late.ensure(new Set(['Certificate'])).then(() => {
      done = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(created).toEqual([]);
    late.start();
    const second = late.ensure(new Set(['Certificate']));
    await new Promise((r) => setImmediate(r));
    expect(created).toEqual(['Certificate']);
    expect(watched).toEqual(['Certificate']);
    expect(cache.has('Certificate')).toBe(true);
    expect(done).toBe(false);
    sync();
    await Promise.all([first, second]);
    expect(done).toBe(true);
    expect(created).toEqual(['Certificate']);
  });

  it('when the runnable has stopped, then a kind not watched yet is refused naming it and no informer is created', async () => {
    const { late, created } = lateWatches();
    late.start();
    await late.stop();
    await expect(late.ensure(new Set(['HTTPRoute']))).rejects.toThrow(/stopping: HTTPRoute is not watched/);
    expect(created).toEqual([]);
    await expect(late.ensure(new Set())).resolves.toBeUndefined();
  });
});
