import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { KubeObject } from '../core/object.ts';
import { Controller, ownerKey, type ReconcileRequest } from './controller.ts';
import { createLogger } from './logger.ts';
import { OperatorMetrics } from './metrics.ts';

const silent = () =>
  createLogger({
    destination: new Writable({
      write(_c, _e, cb) {
        cb();
      },
    }),
  });

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

describe('Controller', () => {
  it('when a reconcile fails then succeeds, then it is retried with the key split and metrics count both', async () => {
    const clock = new ManualClock();
    const metrics = new OperatorMetrics({ processMetrics: false });
    const seen: Array<Pick<ReconcileRequest, 'key' | 'namespace' | 'name' | 'retries'>> = [];
    const controller = new Controller({
      name: 'storefront',
      logger: silent(),
      metrics,
      queue: { clock },
      reconcile: async ({ key, namespace, name, retries }) => {
        seen.push({ key, namespace, name, retries });
        if (retries === 0) throw new Error('first try fails');
      },
    }).start();
    controller.queue.add('shop/demo');
    await settle();
    clock.advance(5);
    await settle();
    expect(seen).toEqual([
      { key: 'shop/demo', namespace: 'shop', name: 'demo', retries: 0 },
      { key: 'shop/demo', namespace: 'shop', name: 'demo', retries: 1 },
    ]);
    const text = await metrics.text();
    expect(text).toContain('storefront_reconcile_total{controller="storefront",result="error"} 1');
    expect(text).toContain('storefront_reconcile_total{controller="storefront",result="success"} 1');
    expect(await controller.stop()).toBe(true);
  });

  it('ownerKey maps a child to its controlling owner of the given kind', () => {
    const child: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'demo-app',
        namespace: 'shop',
        ownerReferences: [
          {
            apiVersion: 'storefront.dev/v1alpha1',
            kind: 'Storefront',
            name: 'demo',
            uid: 'u',
            controller: true,
          },
        ],
      },
    };
    expect(ownerKey('Storefront')(child)).toBe('shop/demo');
    expect(ownerKey('Storefront', 'storefront.dev')(child)).toBe('shop/demo');
    expect(ownerKey('Storefront', 'other.dev')(child)).toBeUndefined();
    expect(ownerKey('Other')(child)).toBeUndefined();
  });
});
