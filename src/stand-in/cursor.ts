/**
 * Paging cursors: opaque to clients, as Truto's are, but simply base64url JSON with the offset
 * of the next item. A `sticky` cursor is the one the repeat-cursor fault hands out: the page it
 * names always points back to itself, so a client that follows it would loop forever.
 */
export interface Cursor {
  offset: number;
  sticky: boolean;
}

export function encodeCursor(cursor: Cursor): string {
  const json = cursor.sticky ? { offset: cursor.offset, sticky: true } : { offset: cursor.offset };
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** The cursor a client sent, or `null` when it is not one this stand-in could have written. */
export function decodeCursor(text: string): Cursor | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return null;
  }

  if (typeof parsed !== 'object' || parsed === null || !('offset' in parsed)) {
    return null;
  }

  const { offset } = parsed;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    return null;
  }

  return { offset, sticky: 'sticky' in parsed && parsed.sticky === true };
}
