/**
 * Order totals, in integer minor units (cents) only: no floating point touches money. Tax is a rate
 * in basis points on the goods subtotal (shipping untaxed, as for most US sales-tax rules on
 * separately stated delivery), rounded half up to the cent.
 */
export interface OrderTotals {
  subtotalCents: number;
  shippingCents: number;
  taxCents: number;
  totalCents: number;
}

export function taxOn(subtotalCents: number, rateBasisPoints: number): number {
  if (!Number.isSafeInteger(subtotalCents) || subtotalCents < 0)
    throw new RangeError('subtotal must be whole cents');
  if (!Number.isInteger(rateBasisPoints) || rateBasisPoints < 0 || rateBasisPoints >= 10_000)
    throw new RangeError('tax rate must be 0..9999 basis points');
  // BigInt keeps subtotal × rate exact whatever its size; + 5000 then floor-divide = round half up.
  return Number((BigInt(subtotalCents) * BigInt(rateBasisPoints) + 5000n) / 10_000n);
}

export function orderTotals(
  lines: readonly { unitPriceCents: number; quantity: number }[],
  shippingCents: number,
  taxRateBasisPoints: number,
): OrderTotals {
  const subtotalCents = lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
  const taxCents = taxOn(subtotalCents, taxRateBasisPoints);
  return { subtotalCents, shippingCents, taxCents, totalCents: subtotalCents + shippingCents + taxCents };
}
