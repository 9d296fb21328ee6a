/**
 * One error type for everything the shop answers on purpose. The HTTP layer maps it to
 * `{ error: { code, message, field? } }` with its status; anything else is a 500 (or a 503 when
 * Postgres is unreachable, see data/db.ts).
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field?: string;
  readonly headers?: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    options: { field?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.field = options.field;
    this.headers = options.headers;
  }
}

export const badRequest = (field: string, message: string) =>
  new AppError(400, 'invalid_input', message, { field });
export const notFound = (what: string, field?: string) =>
  new AppError(404, 'not_found', `${what} not found`, { field });

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function errorBody(err: AppError): ErrorBody {
  return { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
}
