import { describe, expect, it } from 'vitest';
import { loadExample } from '../render/testdata/fixtures.ts';
import { computeStatus } from '../status/conditions.ts';
import { notReadySummary, progressLines } from './wait.ts';

describe('wait output', () => {
  it('when the TLS Secret of tls.mode secret is missing, then the summary names the TLS component and the Secret', () => {
    const sf = loadExample('external-services.yaml');
    const status = computeStatus(
      sf,
      { children: new Map(), missingApis: new Set(), missingSecrets: ['shop-tls'] },
      new Date('2026-01-01T00:00:00Z'),
    );
    const summary = notReadySummary(status);
    expect(summary).toContain('TLS not ready (SecretMissing): TLS Secret shop-tls does not exist');
    expect(summary).toContain('App not ready');
    const plain = progressLines(status, false);
    expect(plain).toHaveLength(5);
    expect(plain.every((l) => !l.includes('\x1b['))).toBe(true);
    expect(plain.find((l) => l.includes('TLSReady'))).toMatch(/waiting TLSReady/);
    expect(progressLines(status, true).some((l) => l.includes('\x1b['))).toBe(true);
  });
});
