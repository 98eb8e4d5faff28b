import { cleanText } from './clean-text.js';
import { NO_VALUE, type Coerced } from './coerced.js';

// JSON.stringify escapes NUL as \u0000 and a lone surrogate as \ud800 to \udfff, while a valid
// pair comes out as the raw characters: so any surrogate escape found here is a lone one, and
// jsonb refuses both. Note: an escaped backslash followed by such text (`\\u0000`) matches too;
// that costs the slow path, whose result is the same.
const UNSAFE_ESCAPE = /\\u(?:0000|d[89a-f])/;

/**
 * JSON text for a `jsonb` column. The common case costs one JSON.stringify and one scan of its
 * text; only text that jsonb would refuse is written again with every key and string cleaned.
 * Any JSON value is kept, not only objects; a missing value is NULL.
 */
export function toJsonText(value: unknown): Coerced<string | null> {
  if (value === undefined || value === null) return NO_VALUE;

  let text: string | undefined;
  try {
    text = stringify(value);
    if (text !== undefined && UNSAFE_ESCAPE.test(text)) text = stringify(value, cleanReplacer);
  } catch (error) {
    // Values nested thousands deep overflow the stack; BigInts have no JSON form.
    return { issue: `cannot be written as JSON: ${error instanceof Error ? error.message : ''}` };
  }
  return text === undefined ? NO_VALUE : { value: text };
}

/** JSON.stringify, typed as it behaves: functions, symbols and `undefined` give no text. */
export function stringify(
  value: unknown,
  replacer?: (this: unknown, key: string, value: unknown) => unknown,
): string | undefined {
  return JSON.stringify(value, replacer);
}

function cleanReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return withCleanKeys(value);
  }
  return value;
}

function withCleanKeys(object: object): object {
  const keys = Object.keys(object);
  if (keys.every((key) => cleanText(key) === key)) return object;

  // No prototype, so that a key such as `__proto__` stays a plain key. Two keys that clean to
  // the same text keep the later value, as JSON.parse does with a repeated key.
  const copy = Object.create(null) as Record<string, unknown>;
  const source = object as Record<string, unknown>;
  for (const key of keys) copy[cleanText(key)] = source[key];
  return copy;
}
