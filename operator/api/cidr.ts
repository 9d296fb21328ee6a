// CIDR checks for the CLI, the TypeScript twin of the API server's CEL `isCIDR(self) &&
// cidr(self).masked() == cidr(self)`: an IPv4 or IPv6 prefix whose address has no host bits set.
// NetworkPolicy ipBlocks take such prefixes; `999.0.0.0/8`, `10.0.0.0/33` or `10.1.2.3/8` are
// refused before they reach a policy.

const V4_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const V6_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!V4_OCTET.test(p) || Number(p) > 255) return undefined;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (s.includes('%')) return undefined; // zones are not prefixes
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): bigint[] | undefined => {
    if (h === '') return [];
    const out: bigint[] = [];
    const parts = h.split(':');
    for (const [i, p] of parts.entries()) {
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p);
        if (v4 === undefined) return undefined;
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (V6_GROUP.test(p)) out.push(BigInt(`0x${p}`));
      else return undefined;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<bigint>(missing).fill(0n), ...tail];
  return all.reduce((n, g) => (n << 16n) | g, 0n);
}

/** True for `a.b.c.d/len` or an IPv6 prefix with a valid length and no bits set below it. */
export function isCanonicalCidr(s: string): boolean {
  const slash = s.indexOf('/');
  if (slash < 0 || s.indexOf('/', slash + 1) >= 0) return false;
  const addr = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText)) return false;
  const len = BigInt(lenText);
  const v4 = addr.includes(':') ? undefined : parseV4(addr);
  const v6 = addr.includes(':') ? parseV6(addr) : undefined;
  const bits = v4 !== undefined ? 32n : v6 !== undefined ? 128n : undefined;
  const value = v4 ?? v6;
  if (bits === undefined || value === undefined || len > bits) return false;
  const hostMask = (1n << (bits - len)) - 1n;
  return (value & hostMask) === 0n;
}
