// TLS mode `selfSigned`: a CA per Storefront (kept, so clients that trust it keep trusting it) and
// a 90-day leaf certificate for the shop's hosts, renewed at two thirds of its lifetime.
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type KeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 24 * 60 * 60 * 1000;
export const LEAF_LIFETIME_DAYS = 90;
export const CA_LIFETIME_DAYS = 3650;

export interface TlsMaterial {
  caCertificate: string;
  caPrivateKey: string;
  certificate: string;
  privateKey: string;
}

export interface TlsDecision {
  material: TlsMaterial;
  /** What changed: nothing (reuse), a new leaf, or a new CA and leaf. */
  issued: 'none' | 'leaf' | 'ca-and-leaf';
  notAfter: Date;
  renewAt: Date;
}

/** When a certificate should be renewed: two thirds into its lifetime. */
export function renewalTime(cert: X509Certificate): Date {
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  return new Date(from + ((to - from) * 2) / 3);
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

function fromPem(pem: string): ArrayBuffer {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const buf = Buffer.from(b64, 'base64');
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
}

const serial = () =>
  Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');

async function newCa(name: string, now: Date): Promise<{ cert: string; key: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name} Storefront CA, O=storefront.dev`,
    notBefore: new Date(now.getTime() - 5 * 60 * 1000),
    notAfter: new Date(now.getTime() + CA_LIFETIME_DAYS * DAY),
    keys: keys as KeyPair,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create((keys as KeyPair).publicKey),
    ],
  });
  const key = await webcrypto.subtle.exportKey('pkcs8', (keys as KeyPair).privateKey);
  return { cert: cert.toString('pem'), key: toPem(key, 'PRIVATE KEY') };
}

async function newLeaf(
  hosts: string[],
  ca: { cert: string; key: string },
  now: Date,
): Promise<{ cert: string; key: string }> {
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await webcrypto.subtle.importKey('pkcs8', fromPem(ca.key), ALG, false, ['sign']);
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as KeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${hosts[0]}`,
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - 5 * 60 * 1000),
    notAfter: new Date(now.getTime() + LEAF_LIFETIME_DAYS * DAY),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension(hosts.map((value) => ({ type: 'dns' as const, value }))),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  });
  const key = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { cert: cert.toString('pem'), key: toPem(key, 'PRIVATE KEY') };
}

/**
 * What the reuse decision needs from a CA and leaf, read once per distinct pair: every reconcile
 * of a selfSigned Storefront asks, and parsing both certificates and checking the signature each
 * time showed in the operator's profile. Keyed by a digest of the PEMs and hosts, so an edited
 * Secret or spec is a new entry; bounded, so Storefronts that come and go do not grow it.
 */
interface CertFacts {
  caIsCa: boolean;
  caValidTo: number;
  /** The leaf parses, is signed by this CA and names every host. */
  leafFits: boolean;
  leafValidFrom: number;
  leafValidTo: number;
}
const FACTS_LIMIT = 4096;
const facts = new Map<string, CertFacts>();

function certFacts(ca: string, leaf: string, hosts: string[]): CertFacts {
  const key = createHash('sha256')
    .update(`${ca}\0${leaf}\0${hosts.join(',')}`)
    .digest('base64');
  const known = facts.get(key);
  if (known) return known;
  const f: CertFacts = { caIsCa: false, caValidTo: 0, leafFits: false, leafValidFrom: 0, leafValidTo: 0 };
  let caCert: X509Certificate | undefined;
  try {
    caCert = new X509Certificate(ca);
    f.caIsCa = caCert.ca;
    f.caValidTo = new Date(caCert.validTo).getTime();
  } catch {
    // Not a certificate: caIsCa stays false and a new CA is issued.
  }
  try {
    const leafCert = new X509Certificate(leaf);
    f.leafValidFrom = new Date(leafCert.validFrom).getTime();
    f.leafValidTo = new Date(leafCert.validTo).getTime();
    f.leafFits =
      caCert !== undefined &&
      leafCert.verify(caCert.publicKey) &&
      hosts.every((h) => leafCert.checkHost(h) === h);
  } catch {
    // Not a certificate: leafFits stays false and a new leaf is issued.
  }
  if (facts.size >= FACTS_LIMIT) facts.clear();
  facts.set(key, f);
  return f;
}

const renewalOf = (f: CertFacts) => new Date(f.leafValidFrom + ((f.leafValidTo - f.leafValidFrom) * 2) / 3);

function leafStillGood(m: TlsMaterial, hosts: string[], now: Date): boolean {
  const f = certFacts(m.caCertificate, m.certificate, hosts);
  return f.leafFits && now < renewalOf(f);
}

function caStillGood(m: Partial<TlsMaterial>, hosts: string[], now: Date): boolean {
  if (!m.caCertificate || !m.caPrivateKey) return false;
  const f = certFacts(m.caCertificate, m.certificate ?? '', hosts);
  // Keep at least a leaf lifetime of validity so no leaf outlives its CA.
  return f.caIsCa && f.caValidTo - now.getTime() > LEAF_LIFETIME_DAYS * DAY;
}

/** Reuses what is still good, issues what is missing, expiring or for other hosts. */
export async function ensureSelfSignedTls(
  name: string,
  hosts: string[],
  existing: Partial<TlsMaterial> | undefined,
  now: Date,
): Promise<TlsDecision> {
  const current = existing ?? {};
  let issued: TlsDecision['issued'] = 'none';
  let ca = { cert: current.caCertificate ?? '', key: current.caPrivateKey ?? '' };
  if (!caStillGood(current, hosts, now)) {
    ca = await newCa(name, now);
    issued = 'ca-and-leaf';
  }
  let material: TlsMaterial = {
    caCertificate: ca.cert,
    caPrivateKey: ca.key,
    certificate: current.certificate ?? '',
    privateKey: current.privateKey ?? '',
  };
  if (
    issued !== 'none' ||
    !current.certificate ||
    !current.privateKey ||
    !leafStillGood(material, hosts, now)
  ) {
    const leaf = await newLeaf(hosts, ca, now);
    material = { ...material, certificate: leaf.cert, privateKey: leaf.key };
    if (issued === 'none') issued = 'leaf';
  }
  const f = certFacts(material.caCertificate, material.certificate, hosts);
  return { material, issued, notAfter: new Date(f.leafValidTo), renewAt: renewalOf(f) };
}
