export interface RecordLimits {
  /** Bytes of JSON past which a record is reported instead of kept. */
  maxChars: number;
  /** Nesting past which a record is reported instead of kept; the record itself is depth 1. */
  maxDepth: number;
}

/**
 * One record of a listing, as it came: its JSON bytes, not yet parsed. Parsing is left to
 * the caller, which can skip it for a record it has stored byte for byte before. The bytes
 * are valid JSON in structure (brackets, commas, literals and numbers); what `JSON.parse`
 * still checks is the inside of strings.
 *
 * `licenseId` is the record's top-level `id` as written (a string, or a number's digits),
 * read without parsing the record: `null` where it has none or it is of another type.
 */
export type ListedRecord =
  | { kind: 'record'; bytes: Buffer; licenseId: string | null }
  | { kind: 'oversized'; licenseId: string | null; reason: string };
