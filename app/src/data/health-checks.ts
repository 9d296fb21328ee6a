import type { Pool } from './db.ts';
import type { Redis } from './redis.ts';

/** The dependency checks /readyz reports, so the route layer needs neither pg nor ioredis. */
export function dependencyChecks(
  pool: Pool,
  redis: Redis | undefined,
): { postgres: () => Promise<boolean>; redis: () => Promise<'up' | 'down' | 'disabled'> } {
  return {
    postgres: async () => {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    redis: async () => {
      if (!redis) return 'disabled';
      try {
        await redis.ping();
        return 'up';
      } catch {
        return 'down';
      }
    },
  };
}
