import { describe, expect, it } from 'vitest';
import { applySets, mergeLayer, parseSet } from './set-values.ts';

describe('mergeLayer (-f layering)', () => {
  it('when an overlay sets nested keys, then objects merge, lists are replaced and null removes a key', () => {
    const base = {
      spec: { host: 'a', app: { replicas: 2, env: [{ name: 'A', value: '1' }] }, cdn: { x: 1 } },
    };
    const overlay = { spec: { app: { replicas: 5, env: [{ name: 'B', value: '2' }] }, cdn: null } };
    expect(mergeLayer(base, overlay)).toEqual({
      spec: { host: 'a', app: { replicas: 5, env: [{ name: 'B', value: '2' }] } },
    });
    expect(base.spec.app.replicas).toBe(2);
  });
});

describe('parseSet / applySets (--set)', () => {
  it('when values look like numbers, booleans or null, then they are typed as helm types them', () => {
    const doc = applySets({ spec: { app: { replicas: 2 }, cdn: { enabled: true } } }, [
      ...parseSet('spec.app.replicas=3,spec.host=shop.example.com'),
      ...parseSet('spec.cache.enabled=false'),
      ...parseSet('spec.cdn=null'),
      ...parseSet('spec.app.image.tag=007'),
    ]);
    expect(doc).toEqual({
      spec: {
        app: { replicas: 3, image: { tag: '007' } },
        host: 'shop.example.com',
        cache: { enabled: false },
      },
    });
  });

  it('when a path indexes a list or the value is {a,b}, then lists are built', () => {
    const doc = applySets({}, [
      ...parseSet('spec.app.env[0].name=A,spec.app.env[0].value=x\\,y'),
      ...parseSet('spec.hosts={a.example.com,b.example.com}'),
    ]);
    expect(doc).toEqual({
      spec: { app: { env: [{ name: 'A', value: 'x,y' }] }, hosts: ['a.example.com', 'b.example.com'] },
    });
  });

  it('when --set-string is used, then numbers stay strings', () => {
    expect(applySets({}, parseSet('spec.app.resources.requests.cpu=2', true))).toEqual({
      spec: { app: { resources: { requests: { cpu: '2' } } } },
    });
  });

  it('when an escaped dot is in a key, then it stays part of the key', () => {
    expect(applySets({}, parseSet('metadata.annotations.example\\.com/team=shop'))).toEqual({
      metadata: { annotations: { 'example.com/team': 'shop' } },
    });
  });

  it.each(['spec.app.replicas', '=3', 'spec..app=1'])(
    'when "%s" is malformed, then the error says so',
    (text) => {
      expect(() => parseSet(text)).toThrow(/--set/);
    },
  );

  it('when a path walks through a scalar, then the error names it', () => {
    expect(() => applySets({ spec: { host: 'a' } }, parseSet('spec.host.x=1'))).toThrow(
      /spec\.host is "a", not an object or list/,
    );
  });
});
