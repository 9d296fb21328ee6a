import { describe, expect, it } from 'vitest';
import {
  HELD_CONDITION,
  heldAsWanted,
  heldStatus,
  isHeld,
  type LookUp,
  type PodLike,
  podBlockers,
  releasedStatus,
} from './pod-references.ts';

const objects: Record<string, string[]> = {
  'Secret/shop/db': ['url'],
  'ConfigMap/shop/settings': ['mode'],
};
const look: LookUp = (kind, ns, name) => {
  const keys = objects[`${kind}/${ns}/${name}`];
  return keys ? new Set(keys) : undefined;
};
const pod = (spec: PodLike['spec']): PodLike => ({ metadata: { name: 'p', namespace: 'shop' }, spec });

describe('podBlockers (the kubelet check kwok cannot make)', () => {
  it('when every referenced Secret, ConfigMap and key exists, then nothing blocks the pod', () => {
    const p = pod({
      containers: [
        {
          name: 'app',
          env: [
            { name: 'A', valueFrom: { secretKeyRef: { name: 'db', key: 'url' } } },
            { name: 'B', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
          ],
          envFrom: [{ secretRef: { name: 'db' } }],
        },
      ],
      volumes: [{ name: 'v', configMap: { name: 'settings', items: [{ key: 'mode' }] } }],
    });
    expect(podBlockers(p, look).size).toBe(0);
  });

  it('when an env Secret is missing, then the container waits in CreateContainerConfigError with the kubelet message', () => {
    const p = pod({
      containers: [
        {
          name: 'app',
          env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'payments', key: 'api-key' } } }],
        },
        { name: 'side' },
      ],
    });
    expect([...podBlockers(p, look)]).toEqual([
      ['app', { reason: 'CreateContainerConfigError', message: 'secret "payments" not found' }],
    ]);
  });

  it('when a key is missing from an existing Secret, then the message names the key', () => {
    const p = pod({
      containers: [
        { name: 'app', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] },
      ],
    });
    expect(podBlockers(p, look).get('app')?.message).toBe("couldn't find key password in Secret shop/db");
  });

  it('when an envFrom ConfigMap is missing, then the container is blocked; when it is optional, then not', () => {
    const missing = pod({ containers: [{ name: 'app', envFrom: [{ configMapRef: { name: 'nope' } }] }] });
    expect(podBlockers(missing, look).get('app')?.message).toBe('configmap "nope" not found');
    const optional = pod({
      containers: [{ name: 'app', envFrom: [{ configMapRef: { name: 'nope', optional: true } }] }],
    });
    expect(podBlockers(optional, look).size).toBe(0);
  });

  it('when a volume Secret is missing, then every container waits in ContainerCreating on the mount', () => {
    const p = pod({
      initContainers: [{ name: 'init' }],
      containers: [{ name: 'app' }],
      volumes: [{ name: 'tls', secret: { secretName: 'shop-tls' } }],
    });
    const b = podBlockers(p, look);
    expect([...b.keys()]).toEqual(['init', 'app']);
    expect(b.get('app')).toEqual({
      reason: 'ContainerCreating',
      message: 'MountVolume.SetUp failed for volume "tls" : secret "shop-tls" not found',
    });
  });

  it('when a projected volume names a key its ConfigMap lacks, then the mount fails on that key', () => {
    const p = pod({
      containers: [{ name: 'app' }],
      volumes: [
        {
          name: 'cfg',
          projected: { sources: [{ configMap: { name: 'settings', items: [{ key: 'other' }] } }] },
        },
      ],
    });
    expect(podBlockers(p, look).get('app')?.message).toBe(
      'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: other',
    );
  });
});

describe('heldStatus', () => {
  it('when a pod is held, then it is Pending, not Ready, and carries the condition our kwok stage matches', () => {
    const p = pod({ containers: [{ name: 'app', image: 'shop:1' }] });
    const status = heldStatus(
      p,
      new Map([['app', { reason: 'CreateContainerConfigError' as const, message: 'secret "x" not found' }]]),
      '2026-01-01T00:00:00Z',
    ) as { phase: string; conditions: { type: string; status: string }[]; containerStatuses: unknown[] };
    expect(status.phase).toBe('Pending');
    expect(status.conditions.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(status.containerStatuses).toEqual([
      expect.objectContaining({
        name: 'app',
        ready: false,
        state: { waiting: { reason: 'CreateContainerConfigError', message: 'secret "x" not found' } },
      }),
    ]);
    const held = { ...p, status: status as PodLike['status'] };
    const blockers = new Map([
      ['app', { reason: 'CreateContainerConfigError' as const, message: 'secret "x" not found' }],
    ]);
    expect(isHeld(held)).toBe(true);
    expect(heldAsWanted(held, blockers)).toBe(true);
    // kwok merged a stage chosen from an older copy into it: Ready and a running state.
    const merged = structuredClone(held) as any;
    merged.status.conditions.find((c: { type: string }) => c.type === 'Ready').status = 'True';
    merged.status.containerStatuses[0].state.running = { startedAt: '2026-01-01T00:00:01Z' };
    expect(isHeld(merged)).toBe(true);
    expect(heldAsWanted(merged, blockers)).toBe(false);
    expect(isHeld({ ...p, status: { conditions: [{ type: HELD_CONDITION, status: 'True' }] } })).toBe(false);
  });
});

describe('releasedStatus', () => {
  it('when a pod is let go, then it is a freshly scheduled pod again, without the addresses of an earlier start', () => {
    expect(releasedStatus('2026-01-01T00:00:00Z')).toMatchObject({
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True' }],
      containerStatuses: null,
      podIP: null,
      podIPs: null,
    });
  });
});
