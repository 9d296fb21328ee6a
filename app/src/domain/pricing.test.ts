import { describe, expect, it } from 'vitest';
import { orderTotals, taxOn } from './pricing.ts';

describe('order totals', () => {
  it('when tax is 8.25 %, then it is rounded half up to the cent on the goods only', () => {
    expect(taxOn(1000, 825)).toBe(83); // 82.5 -> 83
    expect(taxOn(999, 825)).toBe(82); // 82.4175 -> 82
    expect(taxOn(0, 825)).toBe(0);
    expect(
      orderTotals(
        [
          { unitPriceCents: 1800, quantity: 2 },
          { unitPriceCents: 8900, quantity: 1 },
        ],
        495,
        825,
      ),
    ).toEqual({
      subtotalCents: 12_500,
      shippingCents: 495,
      taxCents: 1031, // 1031.25
      totalCents: 12_500 + 495 + 1031,
    });
  });

  it('when the amounts are large, then the arithmetic stays exact (no floating point)', () => {
    // 0.1 + 0.2 style errors would show here: 5 * 1e14 * 0.0825 is not exact in binary floating point.
    expect(taxOn(500_000_000_000_000, 825)).toBe(41_250_000_000_000);
    expect(taxOn(3, 5000)).toBe(2); // 1.5 -> 2
  });

  it('when the tax rate or subtotal is out of range, then it is refused', () => {
    expect(() => taxOn(-1, 100)).toThrow(/subtotal/);
    expect(() => taxOn(1.5, 100)).toThrow(/subtotal/);
    expect(() => taxOn(100, 10_000)).toThrow(/tax rate/);
  });
});
