import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactSecrets, storefrontLogger } from './logger.ts';

function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('logger', () => {
  it('when a reconcile logs through its child, then every line is JSON carrying the Storefront key', () => {
    const out = capture();
    const log = storefrontLogger(createLogger({ destination: out.stream, level: 'debug' }), 'shop/demo');
    log.info({ generation: 3 }, 'reconciled');
    const [line] = out.lines();
    expect(line).toMatchObject({ level: 'info', msg: 'reconciled', storefront: 'shop/demo', generation: 3 });
  });

  it('when a Secret object or a password field is logged, then its values never appear', () => {
    const out = capture();
    const log = createLogger({ destination: out.stream });
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'demo-postgres' },
      data: { password: 'c3VwZXJzZWNyZXQ=' },
      stringData: { url: 'postgres://u:supersecret@db/x' },
    };
    log.info({ object: secret, config: { password: 'supersecret', user: 'app' } }, 'applied');
    const text = JSON.stringify(out.lines());
    expect(text).not.toContain('supersecret');
    expect(text).not.toContain('c3VwZXJzZWNyZXQ=');
    expect(text).toContain('demo-postgres');
    expect(text).toContain('"user":"app"');
  });

  it('redactSecrets leaves non-secret objects untouched', () => {
    const cm = { kind: 'ConfigMap', data: { a: '1' } };
    expect(redactSecrets(cm)).toEqual(cm);
  });
});
