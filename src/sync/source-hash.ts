import { hash } from 'node:crypto';

/**
 * Changes whenever the same record would be normalized into other rows (a new column, a new
 * coercion): stored digests of an older version then match nothing, and every record is
 * parsed and compared by its content once more.
 */
const NORMALIZATION_VERSION = 1;

/**
 * The digest of a record's JSON bytes, as stored in `licenses.source_hash`. Equal digests
 * mean equal bytes, and equal bytes normalize to equal rows; SHA-1 serves here to notice a
 * change, not to resist a forger, who would have to write Truto's responses.
 */
export function sourceHashOf(bytes: Buffer): string {
  return `${String(NORMALIZATION_VERSION)}:${hash('sha1', bytes, 'base64')}`;
}
