import { describe, expect, it } from 'vitest';

import { coerceTimestamp } from './coerce-timestamp.js';

describe('coerceTimestamp', () => {
  it.each([
    ['2024-09-01T10:00:00Z', '2024-09-01T10:00:00.000Z'],
    ['2024-09-01T10:00:00.123+02:00', '2024-09-01T08:00:00.123Z'],
    ['2024-09-01T10:00:00-0530', '2024-09-01T15:30:00.000Z'],
    ['2024-09-01T10:00:00+02', '2024-09-01T08:00:00.000Z'],
    ['2024-09-01t10:00:00z', '2024-09-01T10:00:00.000Z'],
    ['2024-09-01T10:00', '2024-09-01T10:00:00.000Z'],
    ['2024-09-01T23:30:00-01:00', '2024-09-02T00:30:00.000Z'],
  ])('reads the ISO 8601 time %j in UTC', (input, output) => {
    expect(coerceTimestamp(input)).toEqual({ value: output });
  });

  it('takes a time without an offset as UTC', () => {
    expect(coerceTimestamp('2024-09-01 10:00:00')).toEqual({ value: '2024-09-01T10:00:00.000Z' });
    expect(coerceTimestamp('2024-09-01T10:00:00')).toEqual({ value: '2024-09-01T10:00:00.000Z' });
  });

  it('takes a date alone as midnight UTC', () => {
    expect(coerceTimestamp('2024-09-01')).toEqual({ value: '2024-09-01T00:00:00.000Z' });
  });

  it('cuts digits beyond milliseconds off', () => {
    expect(coerceTimestamp('2024-09-01T10:00:00.123999Z')).toEqual({
      value: '2024-09-01T10:00:00.123Z',
    });
    expect(coerceTimestamp('2024-09-01T10:00:00.5Z')).toEqual({
      value: '2024-09-01T10:00:00.500Z',
    });
  });

  it('ignores whitespace around the text', () => {
    expect(coerceTimestamp(' 2024-09-01 ')).toEqual({ value: '2024-09-01T00:00:00.000Z' });
  });

  it('keeps years below 100 as they are', () => {
    expect(coerceTimestamp('0050-06-01')).toEqual({ value: '0050-06-01T00:00:00.000Z' });
  });

  it.each(['2024-13-45', '2024-02-30', '2023-02-29', '2024-09-01T24:00:00Z', '2024-09-01T10:60'])(
    'refuses the impossible date-time %j',
    (input) => {
      expect(coerceTimestamp(input)).toEqual({ issue: 'not a valid date and time' });
    },
  );

  it('accepts the 29th of February in a leap year', () => {
    expect(coerceTimestamp('2000-02-29')).toEqual({ value: '2000-02-29T00:00:00.000Z' });
  });

  it.each(['yesterday', '', 'Sep 1 2024', '2024/09/01', '2024-9-1', '12024-09-01', '2024-09-01T'])(
    'refuses the text %j rather than letting Date.parse guess',
    (input) => {
      expect(coerceTimestamp(input)).toEqual({ issue: 'not an ISO 8601 date-time' });
    },
  );

  it('refuses years outside 0001 to 9999, also after the offset', () => {
    const issue = { issue: 'outside the years 0001 to 9999' };
    expect(coerceTimestamp('0000-06-01')).toEqual(issue);
    expect(coerceTimestamp('0001-01-01T00:30:00+01:00')).toEqual(issue);
    expect(coerceTimestamp('9999-12-31T23:30:00-01:00')).toEqual(issue);
  });

  it('refuses epoch numbers, whose unit is unknown', () => {
    expect(coerceTimestamp(1725184800)).toEqual({
      issue: 'a number is not a date-time: its unit (seconds or milliseconds) is unknown',
    });
  });

  it('stores a missing value as NULL and refuses other types', () => {
    expect(coerceTimestamp(undefined)).toEqual({ value: null });
    expect(coerceTimestamp(null)).toEqual({ value: null });
    expect(coerceTimestamp(true)).toEqual({
      issue: 'expected an ISO 8601 date-time, got a boolean',
    });
  });
});
