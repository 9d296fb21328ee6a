import { describe, expect, it } from 'vitest';
import { failureCause, MAX_CAUSE, podMessage } from './failure-cause.ts';

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

describe('podMessage', () => {
  const done = (exitCode: number, message?: string) => ({ state: { terminated: { exitCode, message } } });
  const waiting = { state: {} };

  it("when an init container failed (the s3 bucket check, dump or download), then its message is the pod's, not the never-started container's", () => {
    expect(
      podMessage({
        initContainerStatuses: [
          done(0, 'bucket answers'),
          done(1, 'backup failed: pg_dump of database x failed\n'),
        ],
        containerStatuses: [waiting],
      }),
    ).toBe('backup failed: pg_dump of database x failed');
  });

  it('when every init container succeeded, then the main container speaks: its result line or its failure', () => {
    const init = [done(0, 'dumped'), done(0, '')];
    expect(
      podMessage({
        initContainerStatuses: init,
        containerStatuses: [done(0, 'backup X complete to s3://b/p/')],
      }),
    ).toBe('backup X complete to s3://b/p/');
    expect(
      podMessage({ initContainerStatuses: init, containerStatuses: [done(1, 'backup failed: upload')] }),
    ).toBe('backup failed: upload');
  });

  it("when there are no init containers (a backups volume) or no status yet, then it is the container's message or empty", () => {
    expect(podMessage({ containerStatuses: [done(1, ' restore failed: corrupt ')] })).toBe(
      'restore failed: corrupt',
    );
    expect(podMessage({ containerStatuses: [waiting] })).toBe('');
    expect(podMessage(undefined)).toBe('');
  });
});
