import { describe, expect, it } from 'vitest';
import {
  isAlreadyExists,
  isConflict,
  isGone,
  isNotFound,
  isTooLargeResourceVersion,
  isTransient,
  KubeApiError,
} from './errors.ts';

describe('KubeApiError', () => {
  it('when the API server refuses, then the message names verb, object, status, reason and server text', () => {
    const err = new KubeApiError(
      { verb: 'apply', kind: 'Deployment', namespace: 'shop', name: 'demo-app' },
      422,
      {
        reason: 'Invalid',
        message: 'spec.replicas: Invalid value: -1',
      },
    );
    expect(err.message).toBe('apply Deployment shop/demo-app: 422 Invalid: spec.replicas: Invalid value: -1');
    expect(err.status).toBe(422);
    expect(err.reason).toBe('Invalid');
  });

  it('classifies 404, 409 and 410, telling AlreadyExists apart from a conflict', () => {
    const e = (status: number, reason?: string) =>
      new KubeApiError({ verb: 'get' }, status, reason ? { reason } : {});
    expect(isNotFound(e(404))).toBe(true);
    expect(isConflict(e(409, 'Conflict'))).toBe(true);
    expect(isConflict(e(409, 'AlreadyExists'))).toBe(false);
    expect(isAlreadyExists(e(409, 'AlreadyExists'))).toBe(true);
    expect(isGone(e(410))).toBe(true);
    expect(isTransient(e(0))).toBe(true);
    expect(isTransient(e(503))).toBe(true);
    expect(isTransient(e(400))).toBe(false);
    expect(isNotFound(new Error('404'))).toBe(false);
  });

  it('tells a resourceVersion the server has not reached by its status cause, like client-go', () => {
    const tooLarge = new KubeApiError({ verb: 'watch', kind: 'ConfigMap' }, 504, {
      reason: 'Timeout',
      message: 'Too large resource version: 999, current: 12',
      details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] },
    });
    expect(isTooLargeResourceVersion(tooLarge)).toBe(true);
    expect(isTooLargeResourceVersion(new KubeApiError({ verb: 'watch' }, 504, { reason: 'Timeout' }))).toBe(
      false,
    );
    expect(isTooLargeResourceVersion(new Error('Too large resource version'))).toBe(false);
  });
});
