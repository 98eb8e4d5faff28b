/**
 * The query string as recorded and read by the stand-in. Keys stay exactly as sent
 * (`truto_exclude_fields[]`, `remote_query[foo]`); a key sent twice, or ending in `[]`,
 * holds a list.
 */
export type Query = Record<string, string | string[]>;

export function parseQuery(search: URLSearchParams): Query {
  const query: Query = {};
  for (const [key, value] of search) {
    const previous = query[key];
    if (previous === undefined) {
      query[key] = key.endsWith('[]') ? [value] : value;
    } else {
      query[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
    }
  }
  return query;
}

/** The single value of a parameter; the last one when it was sent more than once. */
export function queryValue(query: Query, key: string): string | undefined {
  const value = query[key];
  return Array.isArray(value) ? value.at(-1) : value;
}

/** Every value given under `key` and `key[]`, so both spellings of a list are accepted. */
export function queryList(query: Query, key: string): string[] {
  return [query[key], query[`${key}[]`]].flat().filter((value) => value !== undefined);
}
