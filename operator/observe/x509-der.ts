// The few X.509 structures the selfSigned TLS mode issues (a CA and a server leaf, ECDSA P-256 +
// SHA-256), written straight as DER and signed with node:crypto. A general ASN.1 library built and
// re-parsed object trees for each certificate: issuing one Storefront's CA and leaf was the largest
// piece of the operator's own CPU after garbage collection in a 100-Storefront bench profile.
// Node's X509Certificate reads what this writes (the tests check it, and that renewals under a
// CA issued by the earlier library verify).
import { createHash, type KeyObject, sign } from 'node:crypto';

/** DER length octets. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...parts: Buffer[]) => tlv(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => tlv(0x31, Buffer.concat(parts));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 + n, inner);
const octets = (b: Buffer) => tlv(0x04, b);
const bits = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const TRUE = Buffer.from([0x01, 0x01, 0xff]);

/** A non-negative INTEGER from big-endian bytes (minimal, with a 0x00 when the top bit is set). */
function integer(bytes: Buffer): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const body = bytes.subarray(i);
  return tlv(0x02, body[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const group = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) group.unshift((v & 0x7f) | 0x80);
    out.push(...group);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime through 2049, GeneralizedTime after (RFC 5280 4.1.2.5), whole seconds, UTC. */
function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-01-01T00:00:00.000Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = d.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(digits, 'ascii'));
}

const ECDSA_WITH_SHA256 = seq(oid('1.2.840.10045.4.3.2'));
const NAME_OIDS: Record<string, string> = { CN: '2.5.4.3', O: '2.5.4.10' };

/** A distinguished name from `[['CN', 'x'], ['O', 'y']]`, one attribute per RDN, UTF8String values. */
export function distinguishedName(rdns: [keyof typeof NAME_OIDS, string][]): Buffer {
  return seq(
    ...rdns.map(([type, value]) => set(seq(oid(NAME_OIDS[type]!), tlv(0x0c, Buffer.from(value, 'utf8'))))),
  );
}

/** The children of a constructed DER value (its content split into TLVs), each as raw bytes. */
export function derChildren(der: Buffer): Buffer[] {
  const header = (at: number) => {
    const first = der[at + 1]!;
    if (first < 0x80) return { start: at + 2, len: first };
    const n = first & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[at + 2 + i]!;
    return { start: at + 2 + n, len };
  };
  const outer = header(0);
  const out: Buffer[] = [];
  for (let at = outer.start; at < outer.start + outer.len; ) {
    const { start, len } = header(at);
    out.push(der.subarray(at, start + len));
    at = start + len;
  }
  return out;
}

/** The subject Name of a DER certificate, byte for byte (what a leaf names as its issuer). */
export function subjectOf(certDer: Buffer): Buffer {
  const tbs = derChildren(derChildren(certDer)[0]!);
  // version [0] is present in v3 certificates: version, serial, signature, issuer, validity, subject.
  return tbs[tbs[0]![0] === 0xa0 ? 5 : 4]!;
}

/**
 * RFC 5280 key identifier (method 1): SHA-1 of the subjectPublicKey bits of a DER
 * SubjectPublicKeyInfo — how the CA's subjectKeyIdentifier was computed, so a leaf's
 * authorityKeyIdentifier matches it.
 */
export function keyIdentifier(spkiDer: Buffer): Buffer {
  const bitString = derChildren(spkiDer)[1]!;
  const lengthOctets = bitString[1]! < 0x80 ? 1 : 1 + (bitString[1]! & 0x7f);
  // Tag, length, then the unused-bits octet (0 for a key) before the bits themselves.
  return createHash('sha1')
    .update(bitString.subarray(1 + lengthOctets + 1))
    .digest();
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), TRUE, octets(value)) : seq(oid(id), octets(value));
}

export const extensions = {
  /** cA with pathLen 0, or an end entity (critical either way). */
  basicConstraints: (ca: boolean) =>
    extension('2.5.29.19', true, ca ? seq(TRUE, integer(Buffer.from([0]))) : seq()),
  /** keyCertSign + cRLSign (a CA), or digitalSignature + keyEncipherment (a server). Critical. */
  keyUsage: (ca: boolean) =>
    extension('2.5.29.15', true, ca ? bits(Buffer.from([0x06]), 1) : bits(Buffer.from([0xa0]), 5)),
  serverAuth: () => extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))),
  dnsNames: (hosts: string[]) =>
    extension('2.5.29.17', false, seq(...hosts.map((h) => tlv(0x82, Buffer.from(h, 'ascii'))))),
  subjectKeyId: (id: Buffer) => extension('2.5.29.14', false, octets(id)),
  authorityKeyId: (id: Buffer) => extension('2.5.29.35', false, seq(tlv(0x80, id))),
};

export interface CertificateFields {
  /** Hex digits; the top bit must be clear (a positive INTEGER). */
  serialHex: string;
  issuer: Buffer;
  subject: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** DER SubjectPublicKeyInfo of the certified key. */
  publicKeySpki: Buffer;
  extensions: Buffer[];
  /** The issuer's private key (ECDSA P-256). */
  signingKey: KeyObject;
}

/** A signed v3 certificate, DER. */
export function certificate(f: CertificateFields): Buffer {
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.from(f.serialHex, 'hex')),
    ECDSA_WITH_SHA256,
    f.issuer,
    seq(time(f.notBefore), time(f.notAfter)),
    f.subject,
    f.publicKeySpki,
    explicit(3, seq(...f.extensions)),
  );
  // node:crypto's ECDSA signature is DER (r, s): what X.509's signatureValue holds.
  return seq(tbs, ECDSA_WITH_SHA256, bits(sign('sha256', tbs, f.signingKey)));
}
