import { decodeCursor, encodeCursor } from './cursor.js';
import { queryValue, type Query } from './query.js';
import { rejection } from './reply.js';

/** Larger `limit`s are served as this many, like a vendor that caps its page size. */
const MAX_LIMIT = 10_000;

export interface PageRequest {
  offset: number;
  limit: number;
  /** The `next_cursor` as sent, if any. */
  cursor: string | undefined;
  /** The cursor was handed out by the repeat-cursor fault and keeps pointing at itself. */
  sticky: boolean;
}

/** Reads `limit` and `next_cursor`; throws a 400 Rejection for either being unusable. */
export function readPaging(query: Query, defaultLimit: number): PageRequest {
  const limitText = queryValue(query, 'limit');
  const limit = limitText === undefined || limitText === '' ? defaultLimit : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw rejection(400, `limit must be a positive integer, got ${JSON.stringify(limitText)}`);
  }

  const cursor = queryValue(query, 'next_cursor');
  if (cursor === undefined || cursor === '') {
    return { offset: 0, limit: Math.min(limit, MAX_LIMIT), cursor: undefined, sticky: false };
  }

  const decoded = decodeCursor(cursor);
  if (decoded === null) {
    throw rejection(400, 'next_cursor is not a cursor this API issued, or it has expired');
  }
  return { ...decoded, limit: Math.min(limit, MAX_LIMIT), cursor };
}

/**
 * The page's `next_cursor`: `null` after the last item. Under the repeat-cursor fault, and
 * for a sticky cursor, it is the cursor the request came with; a first request (no cursor)
 * gets a sticky cursor to its own page, which every later request also gets back unchanged.
 */
export function nextCursor(page: PageRequest, total: number, repeat: boolean): string | null {
  if (page.sticky || (repeat && page.cursor !== undefined)) {
    return page.cursor ?? null;
  }

  if (repeat) {
    return encodeCursor({ offset: page.offset, sticky: true });
  }

  const end = page.offset + page.limit;
  return end < total ? encodeCursor({ offset: end, sticky: false }) : null;
}

/** The indexes of the items on the page, `to` excluded. */
export function pageRange(page: PageRequest, total: number): { from: number; to: number } {
  const from = Math.min(page.offset, total);
  return { from, to: Math.min(page.offset + page.limit, total) };
}
