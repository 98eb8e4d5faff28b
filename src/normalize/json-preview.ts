import { cleanText } from './clean-text.js';
import { typeName } from './coerced.js';
import { stringify } from './json-text.js';

/** How much of a rejected record is kept, as JSON text. */
export const MAX_RECORD_PREVIEW_CHARS = 2_000;
/** How much of an uncoercible value is kept, as JSON text. */
export const MAX_VALUE_PREVIEW_CHARS = 200;

const ELLIPSIS = '…';

/**
 * A value as JSON text of at most `maxChars` characters, for logs and for analysts. Never
 * throws: a value that JSON.stringify refuses (too deep, a BigInt) is described instead.
 */
export function previewJson(value: unknown, maxChars: number): string {
  let text: string;
  try {
    text = stringify(value) ?? String(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unknown error';
    text = `[${typeName(value)} that cannot be written as JSON: ${reason}]`;
  }
  return cleanText(trimText(text, maxChars));
}

/** Cuts text to at most `maxChars` characters, marking the cut and never halving a pair. */
export function trimText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;

  let end = Math.max(maxChars - ELLIPSIS.length, 0);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return text.slice(0, end) + ELLIPSIS;
}
