import { describe, expect, it } from 'vitest';
import { failureCause, MAX_CAUSE } from './failure-cause.ts';

describe('failureCause', () => {
  it('when the message spans lines, then it is one line with the whitespace collapsed', () => {
    expect(failureCause('pg_dump: error: could not write\n\tNo space left on device\n')).toBe(
      'pg_dump: error: could not write No space left on device',
    );
  });

  it('when the message is long, then its end is kept (the scripts put the reason last), bounded', () => {
    const cause = failureCause(`${'x'.repeat(5000)} checksum mismatch`);
    expect(cause.length).toBe(MAX_CAUSE);
    expect(cause.startsWith('…')).toBe(true);
    expect(cause.endsWith('checksum mismatch')).toBe(true);
  });

  it('when something shaped like a credential is in it, then its value is blanked', () => {
    const cause = failureCause(
      'connect failed: password=hunter2 PGPASSWORD: s3cr3t "token":"abc.def" postgres://shop:pw@db:5432/x',
    );
    for (const secret of ['hunter2', 's3cr3t', 'abc.def', ':pw@']) expect(cause).not.toContain(secret);
    expect(cause).toBe(
      'connect failed: password=<redacted> PGPASSWORD: <redacted> "token":"<redacted>" postgres://shop:<redacted>@db:5432/x',
    );
  });

  it("when the message is the scripts' own failure line, then it is kept as it is", () => {
    const line =
      'restore failed: backup 20000202T000000Z not found on PersistentVolumeClaim old-backups (no 20000202T000000Z/manifest.json); nothing was restored';
    expect(failureCause(line)).toBe(line);
  });
});
