// Counting API writes from the API server's audit log (JSON lines, one Metadata-level event per
// create/update/patch/delete/deletecollection request; see the policy in harness.ts).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export type AuditEvent = {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  user: { username: string; groups?: string[] };
  impersonatedUser?: { username: string; groups?: string[] };
  userAgent?: string;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    apiVersion?: string;
    subresource?: string;
  };
  responseStatus?: { code?: number; reason?: string; message?: string };
  /** e.g. `authorization.k8s.io/decision`: `allow` or `forbid` (RBAC's verdict). */
  annotations?: Record<string, string>;
  requestReceivedTimestamp: string;
  stageTimestamp: string;
};

export type AuditFilter = {
  /** Path of the audit log; default `$STOREFRONT_CLUSTER_AUDIT_LOG`. */
  auditLogPath?: string;
  /** Exact username (the impersonated user when the request impersonated someone). */
  user?: string;
  /** Username prefix, e.g. `system:serviceaccount:storefront-system:`. */
  userPrefix?: string;
  /** Only requests received at or after this time. */
  sinceTime?: Date | string;
  /** Only events written after this byte offset (see `auditMark()`): cheaper than sinceTime. */
  sinceOffset?: number;
  verbs?: string[];
  resource?: string;
  namespace?: string;
  /** Only requests that succeeded (HTTP 2xx). */
  succeeded?: boolean;
};

function logPath(filter: AuditFilter): string {
  const path = filter.auditLogPath ?? process.env['STOREFRONT_CLUSTER_AUDIT_LOG'];
  if (!path) throw new Error('audit: no auditLogPath given and STOREFRONT_CLUSTER_AUDIT_LOG is not set');
  return path;
}

/** The current end of the audit log; pass it as `sinceOffset` to count only later writes. */
export function auditMark(auditLogPath?: string): number {
  const path = logPath(auditLogPath ? { auditLogPath } : {});
  return existsSync(path) ? statSync(path).size : 0;
}

function effectiveUser(event: AuditEvent): string {
  return event.impersonatedUser?.username ?? event.user.username;
}

function matches(event: AuditEvent, filter: AuditFilter, since: number | undefined): boolean {
  if (event.stage !== 'ResponseComplete' && event.stage !== 'Panic') return false;
  const user = effectiveUser(event);
  if (filter.user !== undefined && user !== filter.user) return false;
  if (filter.userPrefix !== undefined && !user.startsWith(filter.userPrefix)) return false;
  if (filter.verbs && !filter.verbs.includes(event.verb)) return false;
  if (filter.resource !== undefined && event.objectRef?.resource !== filter.resource) return false;
  if (filter.namespace !== undefined && event.objectRef?.namespace !== filter.namespace) return false;
  if (since !== undefined && Date.parse(event.requestReceivedTimestamp) < since) return false;
  if (filter.succeeded) {
    const code = event.responseStatus?.code ?? 0;
    if (code < 200 || code >= 300) return false;
  }
  return true;
}

/** Write events matching `filter`, oldest first. */
export async function auditWrites(filter: AuditFilter = {}): Promise<AuditEvent[]> {
  const path = logPath(filter);
  if (!existsSync(path)) return [];
  const since = filter.sinceTime === undefined ? undefined : new Date(filter.sinceTime).getTime();
  const stream = createReadStream(path, { start: filter.sinceOffset ?? 0, encoding: 'utf8' });
  const events: AuditEvent[] = [];
  for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    if (!line.startsWith('{')) continue; // a partial first line when sinceOffset is mid-line
    let event: AuditEvent;
    try {
      event = JSON.parse(line) as AuditEvent;
    } catch {
      continue; // the line being written right now
    }
    if (matches(event, filter, since)) events.push(event);
  }
  return events;
}

export async function countAuditWrites(filter: AuditFilter = {}): Promise<number> {
  return (await auditWrites(filter)).length;
}

/**
 * Polls until at least `atLeast` matching writes are logged (the API server writes the event
 * just after answering, so a client can see the response first) and returns them.
 */
export async function waitForAuditWrites(
  filter: AuditFilter & { atLeast?: number; timeoutMs?: number },
): Promise<AuditEvent[]> {
  const atLeast = filter.atLeast ?? 1;
  const deadline = Date.now() + (filter.timeoutMs ?? 30_000);
  for (;;) {
    const events = await auditWrites(filter);
    if (events.length >= atLeast) return events;
    if (Date.now() > deadline) {
      throw new Error(
        `audit: expected at least ${atLeast} writes matching ${JSON.stringify(filter)}, found ${events.length}`,
      );
    }
    await sleep(250);
  }
}
