import { cleanText } from './clean-text.js';
import { coerceText } from './coerce.js';
import type { Coerced } from './coerced.js';
import { MAX_VALUE_PREVIEW_CHARS, previewJson } from './json-preview.js';
import type { FieldIssue } from './license-rows.js';

/** Notes that a value could not be used, keeping a bounded copy of it for analysts. */
export function noteIssue(issues: FieldIssue[], field: string, reason: string, value: unknown) {
  issues.push({ field, reason, value: previewJson(value, MAX_VALUE_PREVIEW_CHARS) });
}

/**
 * Reads `source[key]` for a column: its coerced value, or NULL and an issue. The issue names
 * the field as the vendor did, inside its list where there is one (`products[3].name`); that
 * path is only put together when an issue needs it.
 */
export function readColumn<T>(
  source: Record<string, unknown>,
  key: string,
  coerce: (value: unknown) => Coerced<T | null>,
  issues: FieldIssue[],
  list?: string,
  index = 0,
): T | null {
  const value = source[key];
  const coerced = coerce(value);
  if ('value' in coerced) return coerced.value;

  const field = list === undefined ? key : `${list}[${index}].${key}`;
  noteIssue(issues, field, coerced.issue, value);
  return null;
}

/**
 * `readColumn` with `coerceText`, for the most common column type: a string, as most values
 * are, is cleaned without building a coercion result.
 */
export function readText(
  source: Record<string, unknown>,
  key: string,
  issues: FieldIssue[],
  list?: string,
  index = 0,
): string | null {
  const value = source[key];
  if (typeof value === 'string') return cleanText(value);
  return readColumn(source, key, coerceText, issues, list, index);
}
