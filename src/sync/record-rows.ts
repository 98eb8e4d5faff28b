import { normalizeLicense } from '../normalize/normalize-license.js';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import type { RejectRow } from '../store/write-batch.js';
import type { BuiltRecord } from '../truto/record-builder.js';

/** What one parsed record becomes: a license to store, and what could not be stored. */
export interface RecordRows {
  /** Absent when the whole record was rejected. */
  license?: NormalizedLicense;
  rejects: RejectRow[];
}

export function recordRows(record: BuiltRecord, maxRecordChars: number): RecordRows {
  if (record.kind === 'oversized') {
    const value = JSON.stringify({ id: record.licenseId });
    return {
      rejects: [{ licenseId: record.licenseId, field: null, reason: record.reason, value }],
    };
  }
  const result = normalizeLicense(record.value, { maxRecordChars });
  if (!result.ok) {
    const { licenseId, reason, record: value } = result.rejection;
    return { rejects: [{ licenseId, field: null, reason, value }] };
  }
  const { license, issues } = result.value;
  const rejects = issues.map((issue) => ({ licenseId: license.id, ...issue }));
  return { license: result.value, rejects };
}
