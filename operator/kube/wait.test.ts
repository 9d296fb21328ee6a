import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../core/object.ts';
import { rolloutComplete } from './wait.ts';

const deployment = (status: Record<string, unknown>, generation = 2): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', generation },
  spec: { replicas: 2 },
  status,
});

describe('rolloutComplete', () => {
  it('when the controller has not observed the spec, then it is not done', () => {
    expect(rolloutComplete(deployment({ observedGeneration: 1 }))).toMatch(/not seen the latest spec/);
  });

  it('when replicas are updated and available, then it is done; otherwise it says what is missing', () => {
    expect(
      rolloutComplete(
        deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      ),
    ).toBe(true);
    expect(
      rolloutComplete(
        deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
      ),
    ).toBe('old replicas still terminating');
    expect(
      rolloutComplete(
        deployment({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }),
      ),
    ).toBe('1/2 replicas available');
  });

  it('reports Jobs by their Complete / Failed conditions and missing objects as not found', () => {
    const job = (type: string): KubeObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'migrate' },
      status: { conditions: [{ type, status: 'True' }] },
    });
    expect(rolloutComplete(job('Complete'))).toBe(true);
    expect(rolloutComplete(job('Failed'))).toBe('job failed');
    expect(rolloutComplete(undefined)).toBe('not found');
  });
});
