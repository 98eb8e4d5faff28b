import { cleanText } from './clean-text.js';
import { NO_VALUE, typeName, type Coerced } from './coerced.js';
import { OUTSIDE_NUMERIC_RANGE, plainDecimal } from './decimal.js';

/** Longer ids are refused: 512 UTF-16 units stay well inside a Postgres b-tree key. */
export const MAX_ID_CHARS = 512;

const MIN_BIGINT = -(2n ** 63n);
const MAX_BIGINT = 2n ** 63n - 1n;
// The longest magnitude a bigint has, in digits; anything longer needs no BigInt to refuse.
const MAX_BIGINT_DIGITS = 19;
const OUTSIDE_BIGINT_RANGE: Coerced<never> = Object.freeze({
  issue: 'outside the range of a Postgres bigint',
});
const NON_BLANK = /\S/;
const ONLY_ZEROS = /^0*$/;

/**
 * An id of a license, product or role: a string that is not blank once cleaned, or a whole
 * number. Numbers beyond 2^53 are refused because JSON parsing has already rounded them, so
 * that two different vendor ids could have become one.
 */
export function coerceId(value: unknown): Coerced<string> {
  if (typeof value === 'string') {
    const id = cleanText(value);
    if (!isNonBlank(id)) return { issue: id === '' ? 'is empty' : 'is blank' };
    if (id.length > MAX_ID_CHARS) return { issue: `is longer than ${MAX_ID_CHARS} characters` };
    return { value: id };
  }
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return { value: String(value) };
    return { issue: 'is a number that is not a whole number below 2^53' };
  }
  if (value === undefined || value === null) return { issue: 'is missing' };
  return { issue: `is ${typeName(value)}, not a string or a whole number` };
}

function isNonBlank(text: string): boolean {
  // Most ids start with a printable ASCII character, which settles it without the regex.
  const first = text.charCodeAt(0);
  return (first > 0x20 && first < 0x7f) || NON_BLANK.test(text);
}

/** Text as it came, cleaned for Postgres; numbers and booleans as they print. */
export function coerceText(value: unknown): Coerced<string | null> {
  if (typeof value === 'string') return { value: cleanText(value) };
  if (value === undefined || value === null) return NO_VALUE;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return { value: String(value) };
  }
  return { issue: `expected text, got ${typeName(value)}` };
}

/**
 * A value for a `numeric` column, as a plain decimal string. Numbers go through their
 * shortest printed form, so `12.5` gives `"12.5"` and `1e21` gives its 22 digits.
 */
export function coerceNumeric(value: unknown): Coerced<string | null> {
  if (typeof value === 'string') return plainDecimal(value);
  if (typeof value === 'number') {
    return Number.isFinite(value) ? plainDecimal(String(value)) : { issue: 'not a finite number' };
  }
  if (typeof value === 'bigint') return { value: value.toString() };
  if (value === undefined || value === null) return NO_VALUE;
  return { issue: `expected a number, got ${typeName(value)}` };
}

/**
 * A value for a `bigint` column, as a decimal string. Numeric strings are read like numbers,
 * so `"5"`, `"5.00"` and `"5e0"` all give `"5"`; a fraction that is not zero is refused
 * rather than rounded.
 */
export function coerceBigint(value: unknown): Coerced<string | null> {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return { issue: 'not a whole number' };
    return inBigintRange(BigInt(value));
  }
  if (typeof value === 'string') {
    const decimal = plainDecimal(value);
    if ('issue' in decimal) {
      return decimal.issue === OUTSIDE_NUMERIC_RANGE ? OUTSIDE_BIGINT_RANGE : decimal;
    }
    const [integer = '', fraction = ''] = decimal.value.split('.');
    if (!ONLY_ZEROS.test(fraction)) return { issue: 'not a whole number' };
    const magnitude = integer.startsWith('-') ? integer.length - 1 : integer.length;
    if (magnitude > MAX_BIGINT_DIGITS) return OUTSIDE_BIGINT_RANGE;
    return inBigintRange(BigInt(integer));
  }
  if (typeof value === 'bigint') return inBigintRange(value);
  if (value === undefined || value === null) return NO_VALUE;
  return { issue: `expected a whole number, got ${typeName(value)}` };
}

function inBigintRange(value: bigint): Coerced<string> {
  if (value < MIN_BIGINT || value > MAX_BIGINT) return OUTSIDE_BIGINT_RANGE;
  return { value: value.toString() };
}

/**
 * A boolean, also when written as `"true"`/`"false"` (any case) or as `1`/`0`, number or
 * string. Other words (`"yes"`, `"Y"`) are refused rather than guessed at.
 */
export function coerceBoolean(value: unknown): Coerced<boolean | null> {
  if (typeof value === 'boolean') return { value };
  if (value === undefined || value === null) return NO_VALUE;
  if (value === 1 || value === 0) return { value: value === 1 };
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'true' || word === '1') return { value: true };
    if (word === 'false' || word === '0') return { value: false };
    return { issue: 'not a boolean word: expected true, false, 1 or 0' };
  }
  return { issue: `expected a boolean, got ${typeName(value)}` };
}
