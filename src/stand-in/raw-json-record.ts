/**
 * A record served exactly as written, for JSON that no JavaScript value stringifies to:
 * numbers out of double range (`1e400`), 30-digit integers, duplicate keys. Excluded fields
 * are not taken out of it.
 */
export class RawJsonRecord {
  constructor(readonly text: string) {}
}
