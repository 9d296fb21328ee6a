import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES, loadConfig } from '../../app/src/config/config.ts';
import { RESERVED_ENV, SHOP_ENV } from './shop-env.ts';

describe("the shop's environment contract", () => {
  it('when app/src/config is read, then the contract lists exactly the variables it reads', () => {
    expect(Object.keys(SHOP_ENV).sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  it('when a variable is left to the user, then the shop starts without it (its default applies)', () => {
    const userSet = Object.entries(SHOP_ENV).filter(([, by]) => by === 'user');
    expect(userSet.map(([k]) => k).sort()).toEqual([
      'IDEMPOTENCY_KEY_TTL_HOURS',
      'LOG_LEVEL',
      'SHIPPING_RATES',
      'TAX_RATE_PERCENT',
    ]);
    const config = loadConfig({ PGHOST: 'db' });
    expect(config.idempotencyKeyTtlHours).toBe(24);
    expect(config.logLevel).toBe('info');
    expect(RESERVED_ENV).not.toContain('LOG_LEVEL');
  });
});
