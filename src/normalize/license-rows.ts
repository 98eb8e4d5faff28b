/**
 * The shapes a license record takes on its way into Postgres. Values are already in the form
 * the database columns take: numerics and bigints as decimal strings (so that no precision is
 * lost in a JS number), times as ISO 8601 strings in UTC, `remote_data` as JSON text.
 */

export interface LicenseRow {
  id: string;
  name: string | null;
  description: string | null;
  /** `active` or `inactive`, or the vendor's own word where Truto has no mapping. */
  status: string | null;
  isPaid: boolean | null;
  currency: string | null;
  /** Decimal string for a `numeric` column, e.g. `"12.50"`. */
  unitAmount: string | null;
  /** Decimal integer strings for `bigint` columns. */
  assignedQuantity: string | null;
  availableQuantity: string | null;
  /** ISO 8601 in UTC, e.g. `2024-09-01T10:00:00.000Z`. */
  remoteCreatedAt: string | null;
  remoteUpdatedAt: string | null;
  /** JSON text of the vendor's raw record, safe for a `jsonb` column. */
  remoteData: string | null;
  /**
   * Digest of everything above but `id`, and of the license's products and roles: two records
   * with the same digest store the same rows, so an unchanged license need not be written.
   */
  contentHash: string;
}

export interface ProductRow {
  id: string;
  name: string | null;
  status: string | null;
}

export interface RoleRow {
  id: string;
  name: string | null;
}

/** A value that could not be coerced to its column's type and was stored as NULL instead. */
export interface FieldIssue {
  field: string;
  reason: string;
  /** The value as it came, as JSON text, trimmed to a bounded length. */
  value: string;
}

export interface NormalizedLicense {
  license: LicenseRow;
  products: ProductRow[];
  roles: RoleRow[];
  issues: FieldIssue[];
  /**
   * Digest of the JSON bytes these rows were made from, where the sync knows them and they
   * gave no issues; stored so that the same bytes need not be parsed again.
   */
  sourceHash: string | null;
}

/** A record that could not be stored at all. */
export interface Rejection {
  /** The record's id where one could be read, so that analysts can find it upstream. */
  licenseId: string | null;
  reason: string;
  /** The record as JSON text, trimmed to a bounded length. */
  record: string;
}

export type NormalizeResult =
  { ok: true; value: NormalizedLicense } | { ok: false; rejection: Rejection };
