import type { Coerced } from './coerced.js';

/** The most digits Postgres `numeric` takes before and after the decimal point. */
export const MAX_INTEGER_DIGITS = 131_072;
export const MAX_FRACTION_DIGITS = 16_383;

// Optional sign, digits with an optional point, optional exponent, and the whitespace that
// Postgres tolerates around a number. Whether any digit came at all is checked after.
export const OUTSIDE_NUMERIC_RANGE = 'outside the range of a Postgres numeric';

const DECIMAL = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/;
const LEADING_ZEROS = /^0+(?=\d)/;
const ONLY_ZEROS = /^0*$/;

/**
 * Rewrites a decimal number in plain notation: no exponent, no `+`, no redundant leading
 * zeros, no negative zero. Digits after the point are kept as written, since they give a
 * `numeric` its scale (`"12.50"` stays `"12.50"`); an exponent moves the point the way
 * Postgres does (`"1.50e1"` becomes `"15.0"`, `"5e-7"` becomes `"0.0000005"`).
 */
export function plainDecimal(text: string): Coerced<string> {
  const match = DECIMAL.exec(text);
  if (match === null) return { issue: 'not a decimal number' };
  const [, sign = '', integerDigits = '', fractionDigits = '', exponentText] = match;
  if (integerDigits === '' && fractionDigits === '') return { issue: 'not a decimal number' };

  // Where the point falls among all the digits, after the exponent has moved it.
  const digits = integerDigits + fractionDigits;
  const point = integerDigits.length + (exponentText === undefined ? 0 : Number(exponentText));
  if (point - digits.length > MAX_INTEGER_DIGITS || -point > MAX_FRACTION_DIGITS) {
    return { issue: OUTSIDE_NUMERIC_RANGE };
  }

  let integer: string;
  let fraction: string;
  if (point <= 0) {
    integer = '0';
    fraction = '0'.repeat(-point) + digits;
  } else if (point >= digits.length) {
    integer = digits + '0'.repeat(point - digits.length);
    fraction = '';
  } else {
    integer = digits.slice(0, point);
    fraction = digits.slice(point);
  }
  integer = integer.replace(LEADING_ZEROS, '');
  if (integer.length > MAX_INTEGER_DIGITS || fraction.length > MAX_FRACTION_DIGITS) {
    return { issue: OUTSIDE_NUMERIC_RANGE };
  }

  // Postgres has no negative zero; writing one would make equal values hash apart.
  const isZero = integer === '0' && ONLY_ZEROS.test(fraction);
  const signText = sign === '-' && !isZero ? '-' : '';
  return { value: fraction === '' ? signText + integer : `${signText}${integer}.${fraction}` };
}
