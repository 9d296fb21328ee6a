// A pod's termination message made fit for a condition message: one line, bounded, and with
// anything shaped like a credential blanked (the scripts never print one, but with
// FallbackToLogsOnError the message may be a log tail of another program). Pure.

/** Longest cause kept, in characters (the newest part: the scripts put the reason last). */
export const MAX_CAUSE = 300;

export function failureCause(message: string): string {
  const line = message
    // Control characters (terminal escapes of a log tail) become spaces.
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    // password=…, PGPASSWORD: …, "password":"…"
    .replace(/((?:pg)?pass(?:word)?|secret|token)("?\s*[=:]\s*"?)[^\s",;]+/gi, '$1$2<redacted>')
    // scheme://user:password@host
    .replace(/(\/\/[^/\s:@]+):[^/\s@]+@/g, '$1:<redacted>@');
  return line.length > MAX_CAUSE ? `…${line.slice(line.length - MAX_CAUSE + 1)}` : line;
}

type Terminated = { state?: { terminated?: { exitCode?: number; message?: string } } };
/** The part of a pod's status a termination message is read from. */
export type PodMessageStatus = { initContainerStatuses?: Terminated[]; containerStatuses?: Terminated[] };

/**
 * What a finished pod of a backup, restore or listing Job says: the termination message of the
 * init container that failed (with destination s3 the bucket check, the dump or the download
 * runs first; after a failed one the main container never starts), else that of its (first)
 * container — the failure, or the result line ("backup … complete"). Trimmed; '' when none.
 */
export function podMessage(status: PodMessageStatus | undefined): string {
  for (const s of status?.initContainerStatuses ?? []) {
    const t = s.state?.terminated;
    if (t && t.exitCode !== 0) return t.message?.trim() ?? '';
  }
  return status?.containerStatuses?.[0]?.state?.terminated?.message?.trim() ?? '';
}
