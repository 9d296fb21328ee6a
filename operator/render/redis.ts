// The managed cache: a single Redis with a password, maxmemory and LRU eviction of cache entries, no persistence
// (a cache is rebuilt from Postgres; the shop keeps working, slower, while it is down).

import { parseQuantity } from '../api/quantity.ts';
import type { Storefront } from '../api/types.ts';
import * as k8s from './k8s.ts';
import { imageVersion, names, workloadLabels, workloadSelector } from './names.ts';
import type { Objects } from './objects.ts';
import { podPlacement } from './placement.ts';
import { containerSecurityContext, podSecurityContext, resources, scratchVolume } from './security.ts';

/**
 * Redis runs as a high UID/GID, outside the range of users a node defines (999 is the image's
 * own `redis` user and may be a real user on the node). The cache keeps nothing on disk between
 * starts (emptyDir, no persistence), so no file ownership ties it to the image's user.
 */
export const REDIS_UID = 10999;
/** The shop's carts rely on it (app/src/data/cart-store.ts). */
export const REDIS_EVICTION_POLICY = 'volatile-lru';

export function renderRedis(out: Objects, sf: Storefront): void {
  const n = names(sf);
  const cache = sf.spec.cache;
  const meta = { name: n.redis, labels: workloadLabels(sf, 'cache', imageVersion(cache.image)) };
  const selector = workloadSelector(sf, 'cache');
  const ping = [
    'sh',
    '-c',
    'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG',
  ];

  out.add(k8s.Deployment, {
    metadata: meta,
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      // Never two caches at once: the old one stops before the new one starts.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: meta.labels },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext(REDIS_UID),
          ...podPlacement(sf, sf.spec.cache, selector),
          containers: [
            {
              name: 'redis',
              image: cache.image,
              command: ['redis-server'],
              args: [
                '--port',
                '6379',
                '--requirepass',
                '$(REDIS_PASSWORD)',
                '--maxmemory',
                String(Math.floor(parseQuantity(cache.maxMemory))),
                '--maxmemory-policy',
                // Only keys with a TTL (the catalog cache) may be evicted: carts carry none, so a
                // flood of cached reads can never push a shopper's cart out.
                REDIS_EVICTION_POLICY,
                '--save',
                '',
                '--appendonly',
                'no',
                '--dir',
                '/data',
              ],
              env: [
                {
                  name: 'REDIS_PASSWORD',
                  valueFrom: { secretKeyRef: { name: n.redisCredentials, key: 'password' } },
                },
              ],
              ports: [{ name: 'redis', containerPort: 6379, protocol: 'TCP' }],
              // /data (64Mi) + /tmp (16Mi) + logs.
              resources: resources(cache.resources, { request: '32Mi', limit: '256Mi' }),
              securityContext: containerSecurityContext(REDIS_UID),
              livenessProbe: { tcpSocket: { port: 'redis' }, periodSeconds: 10, failureThreshold: 3 },
              readinessProbe: {
                exec: { command: ping },
                periodSeconds: 5,
                failureThreshold: 3,
                timeoutSeconds: 2,
              },
              volumeMounts: [
                { name: 'data', mountPath: '/data' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [scratchVolume('data', '64Mi'), scratchVolume('tmp', '16Mi')],
        },
      },
    },
  });

  out.add(k8s.Service, {
    metadata: meta,
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'redis', port: 6379, targetPort: 'redis', protocol: 'TCP' }],
    },
  });
}
