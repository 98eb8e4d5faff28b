import { NO_VALUE, typeName, type Coerced } from './coerced.js';

// The shapes accepted, matched before any Date is built so that none of Date.parse's
// leniency ("Sep 1 2024", local time) applies: a date; or a date and a time (seconds and a
// fraction optional) after `T` or a space, with an optional `Z` or offset. Without one, the
// time is UTC, as Truto writes `2024-09-01 10:00:00`.
const DATE = String.raw`(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})`;
const SECONDS = String.raw`(?<second>\d{2})(?:[.,](?<fraction>\d{1,9}))?`;
const TIME = String.raw`(?<hour>\d{2}):(?<minute>\d{2})(?::${SECONDS})?`;
const OFFSET = String.raw`[Zz]|(?<sign>[+-])(?<offsetHours>\d{2})(?::?(?<offsetMinutes>\d{2}))?`;
const TIMESTAMP = new RegExp(`^${DATE}(?:[Tt ]${TIME}(?:${OFFSET})?)?$`);

const MINUTE_MS = 60_000;
const OUTSIDE_YEARS: Coerced<never> = Object.freeze({ issue: 'outside the years 0001 to 9999' });
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A value for a `timestamptz` column, as ISO 8601 in UTC. Digits beyond milliseconds are cut
 * off, as a JS Date holds no more. Numbers are refused: whether an epoch counts seconds or
 * milliseconds cannot be told from the value, and a wrong guess stores a wrong date quietly.
 */
export function coerceTimestamp(value: unknown): Coerced<string | null> {
  if (typeof value === 'string') return parseTimestamp(value.trim());
  if (value === undefined || value === null) return NO_VALUE;
  if (typeof value === 'number') {
    return { issue: 'a number is not a date-time: its unit (seconds or milliseconds) is unknown' };
  }
  return { issue: `expected an ISO 8601 date-time, got ${typeName(value)}` };
}

function parseTimestamp(text: string): Coerced<string> {
  const match = TIMESTAMP.exec(text);
  if (match === null) return { issue: 'not an ISO 8601 date-time' };
  const {
    year = '',
    month = '',
    day = '',
    hour = '00',
    minute = '00',
    second = '00',
  } = match.groups ?? {};
  const { fraction = '', sign, offsetHours = '00', offsetMinutes = '00' } = match.groups ?? {};

  const validDate = isCalendarDate(Number(year), Number(month), Number(day));
  const validTime = Number(hour) <= 23 && Number(minute) <= 59 && Number(second) <= 59;
  const validOffset = Number(offsetHours) <= 23 && Number(offsetMinutes) <= 59;
  if (!validDate || !validTime || !validOffset) return { issue: 'not a valid date and time' };

  const millis = fraction.slice(0, 3).padEnd(3, '0');
  const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  if (offset === 0) {
    // Already in UTC: the parts are the answer, which spares building Dates on the hot path.
    if (year === '0000') return OUTSIDE_YEARS;
    return { value: `${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}Z` };
  }

  const local = new Date(0);
  // Unlike Date.UTC, setUTCFullYear takes the years 0 to 99 as they are, not as 19xx.
  local.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  local.setUTCHours(Number(hour), Number(minute), Number(second), Number(millis));
  const utc = new Date(local.getTime() - offset * MINUTE_MS);

  // Checked in UTC: an offset can carry 0001-01-01 into year 0, which Postgres has not.
  const utcYear = utc.getUTCFullYear();
  if (utcYear < 1 || utcYear > 9999) return OUTSIDE_YEARS;
  return { value: utc.toISOString() };
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return days !== undefined && day >= 1 && day <= days;
}
