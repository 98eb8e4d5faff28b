import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

// A type, not an interface: drizzle's row type needs an index signature.
type StoredSource = { id: string; source_hash: string };

/**
 * The source digests of the account's licenses among `ids` that a record with the same
 * digest may leave as they are: stored, not deleted, and not held back as listed twice
 * (those need the record's rows at the pass's end).
 *
 * Read outside the batch's transaction, before its records are parsed. The run's account
 * lock keeps every other writer of the account out, and its own writes are committed in
 * order before the next batch is read, so what this returns still holds when the batch is
 * written; `writeBatch` checks it all the same.
 */
export async function readStoredSources(
  db: Db,
  accountId: string,
  ids: string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const result = await db.execute<StoredSource>(sql`
    select l.id, l.source_hash
    from unnest(${sql.param(ids)}::text[]) as input(id)
    cross join lateral (
      select id, source_hash, deleted_at, listed_twice_at from licenses
      where integrated_account_id = ${accountId} and id = input.id
      limit 1
    ) l
    where l.source_hash is not null and l.deleted_at is null and l.listed_twice_at is null
  `);
  return new Map(result.rows.map((row) => [row.id, row.source_hash]));
}

/** Whether the account has any license stored, deleted ones included. */
export async function hasStoredLicenses(db: Db, accountId: string): Promise<boolean> {
  const result = await db.execute<{ found: boolean }>(sql`
    select exists (select 1 from licenses where integrated_account_id = ${accountId}) as found
  `);
  return result.rows[0]?.found === true;
}
