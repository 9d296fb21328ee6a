import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { describe, expect, it } from 'vitest';
import {
  ensureSelfSignedTls,
  forgetCertFacts,
  LEAF_LIFETIME_DAYS,
  renewalTime,
  type TlsMaterial,
} from './self-signed-tls.ts';

const DAY = 86_400_000;
const hosts = ['shop.example.com', 'origin.shop.example.com'];

describe('self-signed TLS', () => {
  it('when nothing exists, then a CA and a 90-day leaf for every host are issued', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const d = await ensureSelfSignedTls('shop', hosts, undefined, now);
    expect(d.issued).toBe('ca-and-leaf');
    const leaf = new X509Certificate(d.material.certificate);
    const ca = new X509Certificate(d.material.caCertificate);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    for (const h of hosts) expect(leaf.checkHost(h)).toBe(h);
    expect(leaf.checkHost('evil.example.com')).toBeUndefined();
    const lifetime = new Date(leaf.validTo).getTime() - new Date(leaf.validFrom).getTime();
    expect(Math.round(lifetime / DAY)).toBe(LEAF_LIFETIME_DAYS);
    expect(d.material.privateKey).toContain('BEGIN PRIVATE KEY');
  });

  it('when the leaf is younger than two thirds of its life, then nothing is re-issued', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await ensureSelfSignedTls('shop', hosts, undefined, t0);
    const again = await ensureSelfSignedTls('shop', hosts, first.material, new Date(t0.getTime() + 59 * DAY));
    expect(again.issued).toBe('none');
    expect(again.material).toEqual(first.material);
  });

  it('when two thirds of the life have passed, then the leaf is renewed by the same CA', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await ensureSelfSignedTls('shop', hosts, undefined, t0);
    const later = await ensureSelfSignedTls('shop', hosts, first.material, new Date(t0.getTime() + 61 * DAY));
    expect(later.issued).toBe('leaf');
    expect(later.material.caCertificate).toBe(first.material.caCertificate);
    expect(later.material.certificate).not.toBe(first.material.certificate);
    expect(
      new X509Certificate(later.material.certificate).verify(
        new X509Certificate(first.material.caCertificate).publicKey,
      ),
    ).toBe(true);
  });

  it('what a fresh issue reports (not parsed back) equals what the certificates say once parsed', async () => {
    // Odd milliseconds: the certificates hold whole seconds.
    const t0 = new Date('2026-01-01T00:00:00.789Z');
    const first = await ensureSelfSignedTls('shop', hosts, undefined, t0);
    const leaf = new X509Certificate(first.material.certificate);
    expect(first.notAfter.getTime()).toBe(new Date(leaf.validTo).getTime());
    expect(first.renewAt.getTime()).toBe(renewalTime(leaf).getTime());
    forgetCertFacts();
    const parsed = await ensureSelfSignedTls('shop', hosts, first.material, t0);
    expect(parsed.issued).toBe('none');
    expect(parsed.notAfter).toEqual(first.notAfter);
    expect(parsed.renewAt).toEqual(first.renewAt);
    // A leaf renewed by the kept CA: the same, and the CA's own lifetime still counts.
    const t1 = new Date(t0.getTime() + 61 * DAY + 321);
    const renewed = await ensureSelfSignedTls('shop', hosts, first.material, t1);
    expect(renewed.issued).toBe('leaf');
    forgetCertFacts();
    const reparsed = await ensureSelfSignedTls('shop', hosts, renewed.material, t1);
    expect(reparsed.issued).toBe('none');
    expect(reparsed.renewAt).toEqual(renewed.renewAt);
    expect(reparsed.notAfter).toEqual(renewed.notAfter);
  });

  it('when the hosts change, then a leaf for the new hosts is issued', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await ensureSelfSignedTls('shop', hosts, undefined, t0);
    const moved = await ensureSelfSignedTls('shop', ['new.example.com'], first.material, t0);
    expect(moved.issued).toBe('leaf');
    expect(new X509Certificate(moved.material.certificate).checkHost('new.example.com')).toBe(
      'new.example.com',
    );
  });

  it('when a CA issued by the earlier implementation is kept, then a new leaf chains to it (signature, issuer name, key identifiers)', async () => {
    const legacy = JSON.parse(
      readFileSync(new URL('./testdata/legacy-ca.json', import.meta.url), 'utf8'),
    ) as {
      caCertificate: string;
      caPrivateKey: string;
    };
    const now = new Date('2026-06-01T00:00:00Z');
    const d = await ensureSelfSignedTls('legacy', hosts, legacy, now);
    expect(d.issued).toBe('leaf');
    expect(d.material.caCertificate).toBe(legacy.caCertificate);
    const leaf = new X509Certificate(d.material.certificate);
    const ca = new X509Certificate(legacy.caCertificate);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    // OpenSSL's issuer check: the leaf's issuer is the CA's subject and its authorityKeyIdentifier
    // is the CA's subjectKeyIdentifier.
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.issuer).toBe(ca.subject);
  });

  it('when a TLS client trusting only the CA connects to a server with the leaf, then the chain and the host verify', async () => {
    const d = await ensureSelfSignedTls('shop', hosts, undefined, new Date());
    await expect(handshake(d.material, 'origin.shop.example.com')).resolves.toBe(true);
    await expect(handshake(d.material, 'evil.example.com')).rejects.toThrow(/altnames/i);
  });
});

/** A real TLS handshake on loopback: the server presents the leaf, the client trusts only the CA. */
async function handshake(m: TlsMaterial, servername: string): Promise<boolean> {
  const server = createServer({ key: m.privateKey, cert: m.certificate }, (s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const socket: TLSSocket = connect({ host: '127.0.0.1', port, servername, ca: m.caCertificate });
    try {
      await once(socket, 'secureConnect');
      return socket.authorized;
    } finally {
      socket.destroy();
    }
  } finally {
    server.close();
  }
}
