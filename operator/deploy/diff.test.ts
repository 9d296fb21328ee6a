import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/object.ts';
import { formatDiff, objectChange } from './diff.ts';

const ref = { apiVersion: 'v1', kind: 'Secret', namespace: 'p', name: 's' };
const secret = (password: string, extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 's', namespace: 'p', resourceVersion: '1', uid: 'u', managedFields: [{}], ...extra },
  data: { password: Buffer.from(password).toString('base64') },
});

describe('diff of one object', () => {
  it('when only volatile metadata or status differ, then there is no change', () => {
    const a = { ...secret('x'), status: { a: 1 } };
    const b = {
      ...secret('x', { resourceVersion: '9', generation: 4, creationTimestamp: 'now' }),
      status: { a: 2 },
    };
    expect(objectChange(a, b, ref)).toBeUndefined();
  });

  it('when a Secret value changes, then the diff says so without printing either value', () => {
    const c = objectChange(secret('old-value'), secret('new-value'), ref)!;
    expect(c.action).toBe('update');
    const text = formatDiff([c], false);
    expect(text).toContain('(secret data changed)');
    for (const v of ['old-value', 'new-value']) {
      expect(text).not.toContain(v);
      expect(text).not.toContain(Buffer.from(v).toString('base64'));
    }
  });

  it('when a field changes, then the changed lines are printed, coloured only for a terminal', () => {
    const dep = (replicas: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'p' },
      spec: { replicas },
    });
    const c = objectChange(dep(1), dep(3), { ...ref, kind: 'Deployment', name: 'd' })!;
    expect(c.lines).toContain('-   replicas: 1');
    expect(c.lines).toContain('+   replicas: 3');
    expect(formatDiff([c], false)).toMatch(/^~ update Deployment p\/d\n/);
    expect(formatDiff([c], true)).toContain('\x1b[31m-   replicas: 1\x1b[0m');
    expect(formatDiff([], false)).toBe('no changes\n');
  });
});
