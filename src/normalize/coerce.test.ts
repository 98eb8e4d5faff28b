import { describe, expect, it } from 'vitest';

import {
  coerceBigint,
  coerceBoolean,
  coerceId,
  coerceNumeric,
  coerceText,
  MAX_ID_CHARS,
} from './coerce.js';
import { MAX_FRACTION_DIGITS, MAX_INTEGER_DIGITS } from './decimal.js';

describe('coerceId', () => {
  it('keeps a string id as it came', () => {
    expect(coerceId(' sku-1 ')).toEqual({ value: ' sku-1 ' });
  });

  it('writes a numeric id in decimal', () => {
    expect(coerceId(42)).toEqual({ value: '42' });
    expect(coerceId(-7)).toEqual({ value: '-7' });
  });

  it('removes NUL from an id', () => {
    expect(coerceId('a\0b')).toEqual({ value: 'ab' });
  });

  it.each([
    ['missing', undefined, 'is missing'],
    ['null', null, 'is missing'],
    ['empty', '', 'is empty'],
    ['only NUL', '\0', 'is empty'],
    ['whitespace', ' \t ', 'is blank'],
    ['an object', { id: 1 }, 'is an object, not a string or a whole number'],
    ['a boolean', true, 'is a boolean, not a string or a whole number'],
  ])('refuses an id that is %s', (_case, value, issue) => {
    expect(coerceId(value)).toEqual({ issue });
  });

  it('refuses a fractional, infinite or rounded numeric id', () => {
    for (const value of [1.5, Infinity, 2 ** 53]) {
      expect(coerceId(value)).toHaveProperty('issue');
    }
  });

  it(`accepts ${MAX_ID_CHARS} characters and refuses one more`, () => {
    expect(coerceId('x'.repeat(MAX_ID_CHARS))).toHaveProperty('value');
    expect(coerceId('x'.repeat(MAX_ID_CHARS + 1))).toEqual({
      issue: `is longer than ${MAX_ID_CHARS} characters`,
    });
  });
});

describe('coerceText', () => {
  it('keeps a string, cleaned of NUL and lone surrogates', () => {
    expect(coerceText('E3\0 \uD800')).toEqual({ value: 'E3 \uFFFD' });
  });

  it('keeps an empty string rather than making it NULL', () => {
    expect(coerceText('')).toEqual({ value: '' });
  });

  it('writes numbers and booleans as they print', () => {
    expect(coerceText(12.5)).toEqual({ value: '12.5' });
    expect(coerceText(false)).toEqual({ value: 'false' });
  });

  it('stores a missing or null value as NULL without an issue', () => {
    expect(coerceText(undefined)).toEqual({ value: null });
    expect(coerceText(null)).toEqual({ value: null });
  });

  it('refuses objects and arrays', () => {
    expect(coerceText({ en: 'E3' })).toEqual({ issue: 'expected text, got an object' });
    expect(coerceText(['E3'])).toEqual({ issue: 'expected text, got an array' });
  });
});

describe('coerceNumeric', () => {
  it.each([
    ['12.50', '12.50'],
    [' 5 ', '5'],
    ['1e3', '1000'],
    ['-0.5', '-0.5'],
    ['+3', '3'],
    ['.5', '0.5'],
    ['5.', '5'],
    ['007.10', '7.10'],
    ['1.50e1', '15.0'],
    ['5e-7', '0.0000005'],
    ['1.2E-1', '0.12'],
    ['-0', '0'],
    ['-0.00', '0.00'],
  ])('writes the string %j as %j', (input, output) => {
    expect(coerceNumeric(input)).toEqual({ value: output });
  });

  it.each([
    [12.5, '12.5'],
    [0, '0'],
    [-0, '0'],
    [1e21, '1000000000000000000000'],
    [5e-7, '0.0000005'],
    [-1.5e-10, '-0.00000000015'],
  ])('writes the number %d without an exponent', (input, output) => {
    expect(coerceNumeric(input)).toEqual({ value: output });
  });

  it('writes the largest double in full', () => {
    const result = coerceNumeric(Number.MAX_VALUE);
    expect(result).toEqual({ value: `17976931348623157${'0'.repeat(292)}` });
  });

  it.each(['', ' ', 'abc', '12,50', '1.2.3', 'e5', '.', '-', 'NaN', 'Infinity', '0x10', '1e'])(
    'refuses the string %j',
    (input) => {
      expect(coerceNumeric(input)).toEqual({ issue: 'not a decimal number' });
    },
  );

  it('refuses NaN and infinities', () => {
    for (const value of [NaN, Infinity, -Infinity]) {
      expect(coerceNumeric(value)).toEqual({ issue: 'not a finite number' });
    }
  });

  it('refuses booleans and objects', () => {
    expect(coerceNumeric(true)).toEqual({ issue: 'expected a number, got a boolean' });
    expect(coerceNumeric({ amount: 1 })).toEqual({ issue: 'expected a number, got an object' });
  });

  it('accepts as many digits as Postgres numeric holds, and no more', () => {
    const fraction = '1'.repeat(MAX_FRACTION_DIGITS);
    const integer = '1'.repeat(MAX_INTEGER_DIGITS);
    expect(coerceNumeric(`0.${fraction}`)).toEqual({ value: `0.${fraction}` });
    expect(coerceNumeric(`${integer}.5`)).toEqual({ value: `${integer}.5` });
    const range = { issue: 'outside the range of a Postgres numeric' };
    expect(coerceNumeric(`0.${fraction}1`)).toEqual(range);
    expect(coerceNumeric(`${integer}1`)).toEqual(range);
  });

  it('refuses an exponent beyond what Postgres numeric holds without building the digits', () => {
    expect(coerceNumeric('1e999999999')).toEqual({
      issue: 'outside the range of a Postgres numeric',
    });
    expect(coerceNumeric('1e-999999999')).toEqual({
      issue: 'outside the range of a Postgres numeric',
    });
  });

  it('stores a missing value as NULL', () => {
    expect(coerceNumeric(undefined)).toEqual({ value: null });
  });
});

describe('coerceBigint', () => {
  it.each([
    ['5', '5'],
    [5, '5'],
    [5.0, '5'],
    [' 12 ', '12'],
    ['5.00', '5'],
    ['1e3', '1000'],
    [-3, '-3'],
    ['9223372036854775807', '9223372036854775807'],
    ['-9223372036854775808', '-9223372036854775808'],
  ])('reads %j as %j', (input, output) => {
    expect(coerceBigint(input)).toEqual({ value: output });
  });

  it('refuses fractions rather than rounding them', () => {
    expect(coerceBigint(5.5)).toEqual({ issue: 'not a whole number' });
    expect(coerceBigint('5.5')).toEqual({ issue: 'not a whole number' });
  });

  it('refuses values outside signed 64 bits', () => {
    for (const value of ['9223372036854775808', '-9223372036854775809', 2 ** 63, '1e40']) {
      expect(coerceBigint(value)).toEqual({ issue: 'outside the range of a Postgres bigint' });
    }
    expect(coerceBigint('1e999999999')).toEqual({
      issue: 'outside the range of a Postgres bigint',
    });
  });

  it('refuses non-numeric values', () => {
    expect(coerceBigint('many')).toEqual({ issue: 'not a decimal number' });
    expect(coerceBigint(true)).toEqual({ issue: 'expected a whole number, got a boolean' });
    expect(coerceBigint(NaN)).toEqual({ issue: 'not a whole number' });
  });
});

describe('coerceBoolean', () => {
  it.each([
    [true, true],
    [false, false],
    ['true', true],
    [' FALSE ', false],
    [1, true],
    [0, false],
    ['1', true],
    ['0', false],
  ])('reads %j as %j', (input, output) => {
    expect(coerceBoolean(input)).toEqual({ value: output });
  });

  it('refuses other words and numbers rather than guessing', () => {
    expect(coerceBoolean('yes')).toEqual({
      issue: 'not a boolean word: expected true, false, 1 or 0',
    });
    expect(coerceBoolean(2)).toEqual({ issue: 'expected a boolean, got a number' });
    expect(coerceBoolean({})).toEqual({ issue: 'expected a boolean, got an object' });
  });
});
