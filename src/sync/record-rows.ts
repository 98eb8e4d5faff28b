import { normalizeLicense } from '../normalize/normalize-license.js';
import { cleanText } from '../normalize/clean-text.js';
import { MAX_RECORD_PREVIEW_CHARS, trimText } from '../normalize/json-preview.js';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import type { RejectRow } from '../store/write-batch.js';
import type { ListedRecord } from '../truto/listed-record.js';

/** What one listed record becomes: a license to store, and what could not be stored. */
export interface RecordRows {
  /** Absent when the whole record was rejected. */
  license?: NormalizedLicense;
  rejects: RejectRow[];
}

/**
 * Parses and normalizes one record. `sourceHash` is the digest of its bytes: kept with the
 * license when every field could be stored, so that the same bytes are not parsed again.
 */
export function recordRows(
  record: ListedRecord,
  sourceHash: string | null,
  maxRecordChars: number,
): RecordRows {
  if (record.kind === 'oversized') {
    const value = JSON.stringify({ id: record.licenseId });
    return {
      rejects: [{ licenseId: record.licenseId, field: null, reason: record.reason, value }],
    };
  }
  const text = record.bytes.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // The listing's structure was sound (the parser checks it); the inside of a string was
    // not, such as a raw line break: this record alone is refused.
    const reason = `record is not valid JSON: ${(error as Error).message}`;
    const value = cleanText(trimText(text, MAX_RECORD_PREVIEW_CHARS));
    return { rejects: [{ licenseId: record.licenseId, field: null, reason, value }] };
  }
  return parsedRecordRows(parsed, sourceHash, maxRecordChars);
}

/** Normalizes a record parsed already, such as one read on its own by a refresh. */
export function parsedRecordRows(
  parsed: unknown,
  sourceHash: string | null,
  maxRecordChars: number,
): RecordRows {
  const result = normalizeLicense(parsed, { maxRecordChars });
  if (!result.ok) {
    const { licenseId, reason, record: value } = result.rejection;
    return { rejects: [{ licenseId, field: null, reason, value }] };
  }
  const { license, issues } = result.value;
  const rejects = issues.map((issue) => ({ licenseId: license.id, ...issue }));
  const kept = issues.length === 0 ? sourceHash : null;
  return { license: { ...result.value, sourceHash: kept }, rejects };
}
