import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError } from '../domain/errors.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Bearer-token guard for the admin API. Both sides are hashed to equal-length digests and compared
 * with timingSafeEqual, so neither the token's content nor its length leaks through timing.
 */
export function requireAdmin(adminToken: string | undefined): RequestHandler {
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  return (req, _res, next) => {
    if (!expected) {
      throw new AppError(403, 'admin_disabled', 'admin API disabled: set ADMIN_TOKEN to enable it');
    }
    const header = req.get('authorization') ?? '';
    const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!), expected)) {
      throw new AppError(
        401,
        'unauthorized',
        'a valid "Authorization: Bearer <ADMIN_TOKEN>" header is required',
        {
          field: 'Authorization',
          headers: { 'WWW-Authenticate': 'Bearer realm="storefront-admin"' },
        },
      );
    }
    next();
  };
}
