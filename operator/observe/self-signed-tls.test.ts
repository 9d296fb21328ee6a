import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ensureSelfSignedTls, LEAF_LIFETIME_DAYS } from './self-signed-tls.ts';

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

  it('when the hosts change, then a leaf for the new hosts is issued', async () => {
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await ensureSelfSignedTls('shop', hosts, undefined, t0);
    const moved = await ensureSelfSignedTls('shop', ['new.example.com'], first.material, t0);
    expect(moved.issued).toBe('leaf');
    expect(new X509Certificate(moved.material.certificate).checkHost('new.example.com')).toBe(
      'new.example.com',
    );
  });
});
