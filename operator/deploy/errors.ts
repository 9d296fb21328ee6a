// Failures of deployer commands, each with the exit code a CI step can branch on.

/** Exit codes of the deployer commands (documented in operator/deploy/README.md). */
export const EXIT = {
  ok: 0,
  error: 1,
  /** `diff` found changes. */
  changes: 2,
  /** Another command holds the release's lock. */
  lockHeld: 3,
  /** `--wait` ran out of time. */
  timeout: 4,
} as const;

export class DeployError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.error, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeployError';
    this.exitCode = exitCode;
  }
}

export function exitCodeOf(err: unknown): number {
  return err instanceof DeployError ? err.exitCode : EXIT.error;
}
