/** What reading one value for a column gives: the value, or why it could not be read. */
export type Coerced<T> = { value: T } | { issue: string };

/** Missing and null values are both stored as NULL; neither is an issue. */
export const NO_VALUE: Coerced<null> = Object.freeze({ value: null });

/** The kind of a value, for messages: `null` and `array` told apart from `object`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  if (type === 'undefined') return type;
  return type === 'object' ? 'an object' : `a ${type}`;
}

/** A JSON object: not null, not an array. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
