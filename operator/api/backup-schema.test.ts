import { describe, expect, it } from 'vitest';
import { CRON_PATTERN, maxAgeSeconds } from './backup-schema.ts';
import { validateStorefront } from './validate.ts';

const doc = (backup: Record<string, unknown>) => ({
  apiVersion: 'storefront.dev/v1alpha1',
  kind: 'Storefront',
  metadata: { name: 'shop' },
  spec: { host: 'shop.example.com', database: { backup } },
});

describe('backup schedule', () => {
  it.each([
    '*/15 * * * *',
    '0 3 * * *',
    '0 3 * * 1-5',
    '30 2 1,15 * SUN',
    '0 0 1 JAN *',
    '5 4 * * sun',
    '0 */6 * * *',
    '59 23 31 12 7',
    '@daily',
    '@hourly',
  ])('when the schedule is %s, then it is accepted', (schedule) => {
    expect(new RegExp(CRON_PATTERN).test(schedule)).toBe(true);
    expect(validateStorefront(doc({ schedule }))).toEqual([]);
  });

  it.each([
    '60 * * * *',
    '* 24 * * *',
    '* * 32 * *',
    '* * * 13 *',
    '* * * * 8',
    '0 3 * *',
    '0 3 * * * *',
    '@every 1h',
    'CRON_TZ=UTC 0 3 * * *',
    '0  3 * * *',
    'daily',
  ])('when the schedule is %s, then the CLI names spec.database.backup.schedule', (schedule) => {
    const errors = validateStorefront(doc({ schedule }));
    expect(errors.map((e) => e.path)).toEqual(['spec.database.backup.schedule']);
  });
});

describe('maxAgeSeconds', () => {
  it('when maxAge is in hours or days, then it is that many seconds', () => {
    expect(maxAgeSeconds('72h')).toBe(72 * 3600);
    expect(maxAgeSeconds('30d')).toBe(30 * 86400);
  });
});
