import { coerceBigint, coerceBoolean, coerceId, coerceNumeric } from './coerce.js';
import { coerceTimestamp } from './coerce-timestamp.js';
import { isRecord } from './coerced.js';
import { contentHash, type HashedLicenseFields } from './content-hash.js';
import { MAX_RECORD_PREVIEW_CHARS, previewJson } from './json-preview.js';
import { toJsonText } from './json-text.js';
import type { FieldIssue, NormalizeResult } from './license-rows.js';
import { noteIssue, readColumn, readText } from './read-column.js';
import { normalizeProducts, normalizeRoles } from './related-rows.js';

/** Records whose `remote_data` is longer than this, as JSON text, are refused. */
export const DEFAULT_MAX_RECORD_CHARS = 1_000_000;

export interface NormalizeLimits {
  /** The longest `remote_data` JSON text stored; the upstream parser limits sizes first. */
  maxRecordChars?: number;
}

/**
 * Turns one license record, as parsed from JSON, into the rows it is stored as. A record is
 * only refused when it has no usable id, is not an object or is too large; any other value
 * that cannot be stored in its column becomes NULL and an issue. Unknown fields are ignored:
 * they remain in `remote_data` wherever the vendor sent them.
 */
export function normalizeLicense(record: unknown, limits?: NormalizeLimits): NormalizeResult {
  if (!isRecord(record)) return reject(null, 'not an object', record);
  const id = coerceId(record.id);
  if ('issue' in id) return reject(null, `id ${id.issue}`, record);

  // The largest field comes first, so that an oversized record costs no further work.
  const remoteData = toJsonText(record.remote_data);
  const maxChars = limits?.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  if ('value' in remoteData && remoteData.value !== null && remoteData.value.length > maxChars) {
    return reject(id.value, `record is larger than the limit of ${maxChars} characters`, record);
  }

  const issues: FieldIssue[] = [];
  if ('issue' in remoteData) {
    noteIssue(issues, 'remote_data', remoteData.issue, record.remote_data);
  }
  const fields: HashedLicenseFields = {
    name: readText(record, 'name', issues),
    description: readText(record, 'description', issues),
    status: readText(record, 'status', issues),
    isPaid: readColumn(record, 'is_paid', coerceBoolean, issues),
    currency: readText(record, 'currency', issues),
    unitAmount: readColumn(record, 'unit_amount', coerceNumeric, issues),
    assignedQuantity: readColumn(record, 'assigned_quantity', coerceBigint, issues),
    availableQuantity: readColumn(record, 'available_quantity', coerceBigint, issues),
    remoteCreatedAt: readColumn(record, 'created_at', coerceTimestamp, issues),
    remoteUpdatedAt: readColumn(record, 'updated_at', coerceTimestamp, issues),
    remoteData: 'value' in remoteData ? remoteData.value : null,
  };
  const products = normalizeProducts(record.products, issues);
  const roles = normalizeRoles(record.roles, issues);

  const license = { id: id.value, ...fields, contentHash: contentHash(fields, products, roles) };
  return { ok: true, value: { license, products, roles, issues, sourceHash: null } };
}

function reject(licenseId: string | null, reason: string, record: unknown): NormalizeResult {
  const text = previewJson(record, MAX_RECORD_PREVIEW_CHARS);
  return { ok: false, rejection: { licenseId, reason, record: text } };
}
