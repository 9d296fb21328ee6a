import { Redis } from 'ioredis';
import type { RedisConfig } from '../config/config.ts';
import type { Logger } from '../server/logger.ts';

/**
 * A Redis client that never makes a request wait for Redis: commands fail at once while
 * disconnected (no offline queue) and time out quickly, so callers fall back to Postgres; the client
 * keeps reconnecting in the background.
 */
export function createRedis(config: RedisConfig, logger: Logger): Redis {
  // ioredis lets the URL win over an options object, so REDIS_PASSWORD is written into the URL.
  const url = new URL(config.url);
  if (config.password !== undefined) url.password = encodeURIComponent(config.password);
  const redis = new Redis(url.toString(), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    lazyConnect: false,
  });
  let healthy = false;
  redis.on('ready', () => {
    if (!healthy) logger.info('redis connected');
    healthy = true;
  });
  redis.on('error', (err) => {
    if (healthy) logger.warn({ err: err.message }, 'redis unavailable; serving from postgres');
    healthy = false;
  });
  return redis;
}

export function redisIsReady(redis: Redis | undefined): boolean {
  return redis?.status === 'ready';
}

export type { Redis };
