import { DomainError, ErrorCode } from '../domain/domain-error';

/**
 * Keyset pagination: a cursor is the sort key of the last item of a page, base64url-encoded so
 * that clients treat it as opaque.
 */
export interface PageCursor {
  at: Date;
  id: string;
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(`${cursor.at.toISOString()}|${cursor.id}`).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Instants PostgreSQL's timestamptz and JavaScript both hold. */
const EARLIEST = Date.UTC(1, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function isStorableInstant(date: Date): boolean {
  const time = date.getTime();
  return !Number.isNaN(time) && time >= EARLIEST && time <= LATEST;
}

export function decodeCursor(text: string, label = 'cursor'): PageCursor {
  const [at, id, extra] = Buffer.from(text, 'base64url').toString('utf8').split('|');
  const date = new Date(at ?? '');
  if (extra !== undefined || !id || !UUID.test(id) || !isStorableInstant(date)) {
    throw new DomainError(
      ErrorCode.InvalidInput,
      `${label}: not a cursor returned by this API (use nextCursor)`,
    );
  }
  return { at: date, id };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Given `limit + 1` rows, returns one page and the cursor of the next (null on the last page). */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => PageCursor): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
