import { AppError } from './errors.ts';

/** Opaque keyset cursor: the last product id of a page, base64url-encoded. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`p${lastId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^p([1-9]\d{0,9})$/.exec(decoded);
  if (!match || Number(match[1]) > 2_147_483_647) {
    throw new AppError(400, 'invalid_input', 'cursor must be a cursor returned as nextCursor', {
      field: 'cursor',
    });
  }
  return Number(match[1]);
}
