// Errors from the Kubernetes API that say what was attempted on which object and what the API
// server answered, so a log line or a Storefront condition can be read without a debugger.

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'apply'
  | 'delete'
  | 'discovery';

export interface KubeApiErrorContext {
  verb: Verb;
  kind?: string;
  namespace?: string;
  name?: string;
  /** Request path, for errors that have no object (discovery). */
  path?: string;
}

/** The API server's `Status` body (or the closest thing a failed request produced). */
export interface KubeStatus {
  reason?: string;
  message?: string;
  code?: number;
  details?: unknown;
  /** From the Retry-After header or details.retryAfterSeconds. */
  retryAfterSeconds?: number;
}

export class KubeApiError extends Error {
  /** HTTP status; 0 when the request never got an answer (connection refused, timeout). */
  readonly status: number;
  /** The API server's machine-readable reason (`NotFound`, `Conflict`, `Expired`, `Invalid`, …). */
  readonly reason: string;
  readonly verb: Verb;
  readonly kind: string | undefined;
  readonly namespace: string | undefined;
  readonly objectName: string | undefined;
  /** The API server's own message. */
  readonly serverMessage: string;
  readonly details: unknown;
  /** How long the API server asked us to wait before trying again, when it said. */
  readonly retryAfterSeconds: number | undefined;

  constructor(context: KubeApiErrorContext, status: number, body: KubeStatus, cause?: unknown) {
    const reason = body.reason || reasonForStatus(status);
    const serverMessage = body.message || (cause instanceof Error ? cause.message : '') || reason;
    const target = context.name
      ? `${context.kind ?? 'object'} ${context.namespace ? `${context.namespace}/` : ''}${context.name}`
      : context.kind
        ? `${context.kind}${context.namespace ? ` in namespace ${context.namespace}` : ''}`
        : (context.path ?? 'request');
    super(`${context.verb} ${target}: ${status || 'no response'} ${reason}: ${serverMessage}`, { cause });
    this.name = 'KubeApiError';
    this.status = status;
    this.reason = reason;
    this.verb = context.verb;
    this.kind = context.kind;
    this.namespace = context.namespace;
    this.objectName = context.name;
    this.serverMessage = serverMessage;
    this.details = body.details;
    this.retryAfterSeconds = body.retryAfterSeconds;
  }
}

function reasonForStatus(status: number): string {
  switch (status) {
    case 0:
      return 'NetworkError';
    case 400:
      return 'BadRequest';
    case 401:
      return 'Unauthorized';
    case 403:
      return 'Forbidden';
    case 404:
      return 'NotFound';
    case 405:
      return 'MethodNotAllowed';
    case 409:
      return 'Conflict';
    case 410:
      return 'Expired';
    case 422:
      return 'Invalid';
    case 429:
      return 'TooManyRequests';
    case 500:
      return 'InternalError';
    case 503:
      return 'ServiceUnavailable';
    case 504:
      return 'Timeout';
    default:
      return `HTTP${status}`;
  }
}

function statusOf(err: unknown): number | undefined {
  return err instanceof KubeApiError ? err.status : undefined;
}

export function isNotFound(err: unknown): boolean {
  return statusOf(err) === 404;
}

/** Optimistic-concurrency conflict (stale resourceVersion) or an SSA field conflict. */
export function isConflict(err: unknown): boolean {
  return statusOf(err) === 409 && (err as KubeApiError).reason !== 'AlreadyExists';
}

export function isAlreadyExists(err: unknown): boolean {
  return statusOf(err) === 409 && (err as KubeApiError).reason === 'AlreadyExists';
}

/** The resourceVersion asked for is older than what the API server keeps: relist. */
export function isGone(err: unknown): boolean {
  return statusOf(err) === 410;
}

/**
 * The resourceVersion asked for is newer than anything the API server has (an etcd restored from
 * a backup): relist, as client-go's reflector does.
 */
export function isTooLargeResourceVersion(err: unknown): boolean {
  if (!(err instanceof KubeApiError)) return false;
  const causes = (err.details as { causes?: { reason?: string }[] } | undefined)?.causes ?? [];
  if (causes.some((c) => c.reason === 'ResourceVersionTooLarge')) return true;
  return err.status === 504 && /too large resource version/i.test(err.message);
}

export function isForbidden(err: unknown): boolean {
  return statusOf(err) === 403;
}

export function isInvalid(err: unknown): boolean {
  return statusOf(err) === 422;
}

/** Worth retrying unchanged: no answer, throttled, or a server-side failure. */
export function isTransient(err: unknown): boolean {
  const s = statusOf(err);
  return s === 0 || s === 429 || (s !== undefined && s >= 500);
}
