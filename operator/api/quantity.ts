import { QUANTITY_PATTERN } from './openapi.ts';

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};
const quantityRe = new RegExp(QUANTITY_PATTERN);

export function isQuantity(s: string): boolean {
  return quantityRe.test(s);
}

/**
 * The value of a Kubernetes quantity in base units (bytes, cores), as a float: precise enough to
 * compare requests with limits or an old volume size with a new one, which is all we use it for.
 */
export function parseQuantity(s: string): number {
  if (!isQuantity(s)) throw new Error(`"${s}" is not a Kubernetes quantity (e.g. 500m, 2, 256Mi, 10Gi)`);
  const m = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(.*)$/.exec(s)!;
  const num = Number(m[1]);
  const suffix = m[2] ?? '';
  if (suffix in BINARY) return num * BINARY[suffix]!;
  if (suffix in DECIMAL) return num * DECIMAL[suffix]!;
  return num * 10 ** Number(suffix.slice(1)); // exponent form: 1e3
}

export function compareQuantities(a: string, b: string): number {
  return Math.sign(parseQuantity(a) - parseQuantity(b));
}
