import { describe, expect, it } from 'vitest';
import { type Pod, podTrouble } from './doctor-pod.ts';

const pod = (status: Pod['status']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'shop-backup-manual-x', namespace: 'ns' },
  status,
});

describe('podTrouble', () => {
  it("when an init container cannot start, then its own reason is reported, not the main container's PodInitializing", () => {
    const p = pod({
      phase: 'Pending',
      initContainerStatuses: [
        {
          name: 'bucket-check',
          state: { waiting: { reason: 'ErrImagePull', message: 'pull access denied for shop' } },
        },
        { name: 'backup', state: { waiting: { reason: 'PodInitializing' } } },
      ],
      containerStatuses: [{ name: 'upload', state: { waiting: { reason: 'PodInitializing' } } }],
    });
    expect(podTrouble(p)).toBe('init container bucket-check ErrImagePull: pull access denied for shop');
  });

  it('when init containers run and the main ones wait for them, then nothing is wrong yet', () => {
    const p = pod({
      phase: 'Pending',
      initContainerStatuses: [{ name: 'backup', state: {} }],
      containerStatuses: [{ name: 'upload', state: { waiting: { reason: 'PodInitializing' } } }],
    });
    expect(podTrouble(p)).toBeUndefined();
  });

  it('when a main container crash-loops, it is named with its reason; an unscheduled pod says why; a failed one says Failed', () => {
    expect(
      podTrouble(
        pod({ containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }),
      ),
    ).toBe('app CrashLoopBackOff');
    expect(
      podTrouble(
        pod({
          conditions: [
            {
              type: 'PodScheduled',
              status: 'False',
              reason: 'Unschedulable',
              message: '0/1 nodes are available',
            },
          ],
        }),
      ),
    ).toBe('not scheduled: Unschedulable 0/1 nodes are available');
    expect(podTrouble(pod({ phase: 'Failed' }))).toBe('Failed');
    expect(
      podTrouble(pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: {} }] })),
    ).toBe(undefined);
  });
});
