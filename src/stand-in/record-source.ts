import { licenseCount, type ResolvedAccount } from './accounts.js';
import { renderLicense } from './license-generator.js';
import { queryList, queryValue, type Query } from './query.js';
import { RawJsonRecord } from './raw-json-record.js';

/** The top-level fields a request asked to leave out of every record. */
export function omittedFields(query: Query): ReadonlySet<string> {
  const omit = new Set(queryList(query, 'truto_exclude_fields'));
  if (queryValue(query, 'truto_ignore_remote_data') === 'true') {
    omit.add('remote_data');
  }
  return omit;
}

/**
 * The account's records from index `from` up to `to` (excluded) as JSON texts, made one at a
 * time as the writer asks for them. Past the explicit records (only the endless fault goes
 * there) records are generated.
 */
export function* renderRecords(
  account: ResolvedAccount,
  from: number,
  to: number,
  omit: ReadonlySet<string>,
): Generator<string> {
  for (let index = from; index < to; index++) {
    yield renderRecord(account, index, omit);
  }
}

export function renderRecord(
  account: ResolvedAccount,
  index: number,
  omit: ReadonlySet<string>,
): string {
  const records = account.records;
  if (records === undefined || index >= records.length) {
    return renderLicense(account.id, index, account.seed, omit);
  }
  return renderExplicit(records[index], omit);
}

/** Finds a license by id: a generated `lic-<index>` within the count, or an explicit record. */
export function findRecordIndex(account: ResolvedAccount, id: string): number | undefined {
  if (account.records !== undefined) {
    const index = account.records.findIndex((record) => isObject(record) && record.id === id);
    return index === -1 ? undefined : index;
  }

  const match = /^lic-(0|[1-9]\d*)$/.exec(id);
  const index = match === null ? NaN : Number(match[1]);
  return index < licenseCount(account) ? index : undefined;
}

function renderExplicit(record: unknown, omit: ReadonlySet<string>): string {
  if (record instanceof RawJsonRecord) return record.text;
  if (omit.size > 0 && isObject(record)) {
    const kept = Object.entries(record).filter(([key]) => !omit.has(key));
    return JSON.stringify(Object.fromEntries(kept));
  }

  // JSON.stringify returns undefined for undefined, which an array holds as null.
  return record === undefined ? 'null' : JSON.stringify(record);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
