/** Ids longer than this are cut: the id only names a record in a rejection or a lookup. */
const MAX_ID_CHARS = 512;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The top-level `id` of a record's JSON bytes, read without parsing the record: a string as
 * its text, a number as `String(Number(digits))`, anything else `null`. `keyOffsets` are
 * where the record's top-level keys of two characters begin (their opening quote); as with
 * `JSON.parse`, the last `id` wins. A key beyond the bytes kept of an oversized record is
 * not found.
 */
export function readTopLevelId(bytes: Buffer, keyOffsets: readonly number[]): string | null {
  for (let index = keyOffsets.length - 1; index >= 0; index -= 1) {
    const at = keyOffsets[index] ?? 0;
    if (bytes[at + 1] !== 0x69 || bytes[at + 2] !== 0x64 || bytes[at + 3] !== QUOTE) continue;
    return readValue(bytes, skipToValue(bytes, at + 4));
  }
  return null;
}

/** Past the colon and the whitespace around it. */
function skipToValue(bytes: Buffer, from: number): number {
  let i = from;
  while (i < bytes.length && (bytes[i] === 0x3a || isSpace(bytes[i] ?? 0))) i += 1;
  return i;
}

function readValue(bytes: Buffer, at: number): string | null {
  const first = bytes[at];
  if (first === QUOTE) return readString(bytes, at);
  if (first === 0x2d || (first !== undefined && first >= 0x30 && first <= 0x39)) {
    let end = at + 1;
    while (end < bytes.length && isNumberByte(bytes[end] ?? 0)) end += 1;
    const value = Number(bytes.toString('latin1', at, end));
    return Number.isNaN(value) ? null : String(value).slice(0, MAX_ID_CHARS);
  }
  return null;
}

function readString(bytes: Buffer, at: number): string | null {
  let end = at + 1;
  let escaped = false;
  let plain = true;
  while (end < bytes.length && (escaped || bytes[end] !== QUOTE)) {
    escaped = !escaped && bytes[end] === BACKSLASH;
    if (escaped) plain = false;
    end += 1;
  }
  if (end >= bytes.length) return null;
  if (plain) {
    // Four bytes at most per character: the cut falls past the characters kept.
    const text = bytes.toString('utf8', at + 1, Math.min(end, at + 1 + MAX_ID_CHARS * 4));
    return text.slice(0, MAX_ID_CHARS);
  }
  const text = bytes.toString('utf8', at, end + 1);
  try {
    return (JSON.parse(text) as string).slice(0, MAX_ID_CHARS);
  } catch {
    return null;
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function isNumberByte(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    byte === 0x2e ||
    byte === 0x2d ||
    byte === 0x2b ||
    byte === 0x65 ||
    byte === 0x45
  );
}
