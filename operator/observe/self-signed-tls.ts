// TLS mode `selfSigned`: a CA per Storefront (kept, so clients that trust it keep trusting it) and
// a 90-day leaf certificate for the shop's hosts, renewed at two thirds of its lifetime.
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import { certificate, distinguishedName, extensions, keyIdentifier, subjectOf } from './x509-der.ts';

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

function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** 16 random bytes, positive: the top bit cleared by starting with a digit 1-7. */
const serial = () =>
  randomBytes(16)
    .toString('hex')
    .replace(/^[89a-f]/, '1');

const newKeys = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const spkiOf = (key: { export(o: { type: 'spki'; format: 'der' }): Buffer }) =>
  key.export({ type: 'spki', format: 'der' });
const pkcs8Pem = (key: ReturnType<typeof newKeys>['privateKey']) =>
  key.export({ type: 'pkcs8', format: 'pem' }) as string;

/** What signing a leaf needs of a CA: its subject, its key identifier and its private key. */
interface SigningCa {
  cert: string;
  key: string;
  subject: Buffer;
  keyId: Buffer;
  signingKey: KeyObject;
}

/** A CA kept from an earlier reconcile, parsed for signing. */
function signingCaOf(ca: { cert: string; key: string }): SigningCa {
  const caCert = new X509Certificate(ca.cert);
  return {
    ...ca,
    subject: subjectOf(caCert.raw),
    keyId: keyIdentifier(spkiOf(caCert.publicKey)),
    signingKey: createPrivateKey(ca.key),
  };
}

/** Validity starts 5 minutes back, for clocks a little behind ours. */
const notBeforeOf = (now: Date) => new Date(now.getTime() - 5 * 60 * 1000);

function newCa(name: string, now: Date): SigningCa & { validTo: Date } {
  const keys = newKeys();
  const spki = spkiOf(keys.publicKey);
  const subject = distinguishedName([
    ['CN', `${name} Storefront CA`],
    ['O', 'storefront.dev'],
  ]);
  const keyId = keyIdentifier(spki);
  const validTo = new Date(now.getTime() + CA_LIFETIME_DAYS * DAY);
  const der = certificate({
    serialHex: serial(),
    issuer: subject,
    subject,
    notBefore: notBeforeOf(now),
    notAfter: validTo,
    publicKeySpki: spki,
    extensions: [
      extensions.basicConstraints(true),
      extensions.keyUsage(true),
      extensions.subjectKeyId(keyId),
    ],
    signingKey: keys.privateKey,
  });
  return {
    cert: toPem(der, 'CERTIFICATE'),
    key: pkcs8Pem(keys.privateKey),
    subject,
    keyId,
    signingKey: keys.privateKey,
    validTo,
  };
}

function newLeaf(
  hosts: string[],
  ca: SigningCa,
  now: Date,
): { cert: string; key: string; validFrom: Date; validTo: Date } {
  const keys = newKeys();
  const validFrom = notBeforeOf(now);
  const validTo = new Date(now.getTime() + LEAF_LIFETIME_DAYS * DAY);
  const der = certificate({
    serialHex: serial(),
    issuer: ca.subject,
    subject: distinguishedName([['CN', hosts[0]!]]),
    notBefore: validFrom,
    notAfter: validTo,
    publicKeySpki: spkiOf(keys.publicKey),
    extensions: [
      extensions.dnsNames(hosts),
      extensions.basicConstraints(false),
      extensions.keyUsage(false),
      extensions.serverAuth(),
      extensions.authorityKeyId(ca.keyId),
    ],
    signingKey: ca.signingKey,
  });
  return { cert: toPem(der, 'CERTIFICATE'), key: pkcs8Pem(keys.privateKey), validFrom, validTo };
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

const factsKey = (ca: string, leaf: string, hosts: string[]) =>
  createHash('sha256')
    .update(`${ca}\0${leaf}\0${hosts.join(',')}`)
    .digest('base64');

/** Certificates hold whole seconds: what parsing the certificate would give back. */
const wholeSeconds = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;

/**
 * The facts of a pair just issued, known without parsing it back: the leaf was signed by this CA
 * for these hosts. Saves two parses and a signature check per new Storefront.
 */
function rememberIssued(ca: string, leaf: string, hosts: string[], f: CertFacts): void {
  remember(factsKey(ca, leaf, hosts), f);
}

/** Bounded: when full it starts over, so Storefronts that come and go do not grow it. */
function remember(key: string, f: CertFacts): void {
  if (facts.size >= FACTS_LIMIT) facts.clear();
  facts.set(key, f);
}

/** Forgets every remembered pair (tests: the next read parses the certificates). */
export function forgetCertFacts(): void {
  facts.clear();
}

function certFacts(ca: string, leaf: string, hosts: string[]): CertFacts {
  const key = factsKey(ca, leaf, hosts);
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
  remember(key, f);
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
  const fresh = caStillGood(current, hosts, now) ? undefined : newCa(name, now);
  if (fresh) issued = 'ca-and-leaf';
  const ca = fresh ?? { cert: current.caCertificate ?? '', key: current.caPrivateKey ?? '' };
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
    const leaf = newLeaf(hosts, fresh ?? signingCaOf(ca), now);
    material = { ...material, certificate: leaf.cert, privateKey: leaf.key };
    if (issued === 'none') issued = 'leaf';
    // A kept CA was judged by caStillGood just above: its facts are remembered with the old leaf.
    const kept = fresh ? undefined : certFacts(material.caCertificate, current.certificate ?? '', hosts);
    rememberIssued(material.caCertificate, material.certificate, hosts, {
      caIsCa: kept?.caIsCa ?? true,
      caValidTo: fresh ? wholeSeconds(fresh.validTo) : kept!.caValidTo,
      leafFits: true,
      leafValidFrom: wholeSeconds(leaf.validFrom),
      leafValidTo: wholeSeconds(leaf.validTo),
    });
  }
  const f = certFacts(material.caCertificate, material.certificate, hosts);
  return { material, issued, notAfter: new Date(f.leafValidTo), renewAt: renewalOf(f) };
}
