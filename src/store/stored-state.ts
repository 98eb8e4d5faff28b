import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

// A type, not an interface: drizzle's row type needs an index signature.
/** What a batch needs to know of a stored license. */
export type StoredState = {
  id: string;
  content_hash: string;
  source_hash: string | null;
  deleted: boolean;
  /** Seen already by the running pass (not counting what a resumed run reads again). */
  seen_in_pass: boolean;
  listed_twice: boolean;
};

/**
 * The times between an interrupted run's last checkpoint and the start of the run that
 * resumes it. The resumed run reads the pages after the checkpoint again, so a license last
 * seen in this window was not seen twice by the pass: it is being read again.
 *
 * Note: only the latest interruption has a window. A license that the first of two
 * interrupted runs saw past the second one's last checkpoint still looks seen once more
 * (`listed_twice_at` set, its content correct); keeping every window would lift that.
 */
export interface RereadWindow {
  after: string;
  before: string;
}

/**
 * The stored state of a batch's licenses, read before its transaction, and the ids whose
 * state that read cannot vouch for: those are read again in the transaction.
 *
 * The run holds its account's lock, so no other writer changes the account's licenses, and
 * its own batches commit in order: what was read stays true but for the licenses of batches
 * that had not committed when it was read, and for ids that were not read at all (a record's
 * id as written can differ from the id it is stored under).
 */
export interface KnownState {
  /** By id, the licenses found stored. */
  states: ReadonlyMap<string, StoredState>;
  unsure: string[];
}

/**
 * Note: each id is looked up on its own (`lateral … limit 1`). A plain join lets the planner,
 * without statistics on a table that is filling up, read every license of the account and
 * hash them, which grew to 100 ms a batch midway through a first sync of 100,000 licenses.
 */
export async function readStoredState(
  db: Db,
  accountId: string,
  passStartedAt: string,
  reread: RereadWindow | null,
  ids: string[],
): Promise<Map<string, StoredState>> {
  if (ids.length === 0) return new Map();
  const result = await db.execute<StoredState>(sql`
    select l.id, l.content_hash, l.source_hash, l.deleted_at is not null as deleted,
           l.last_seen_at >= ${passStartedAt}::timestamptz
             and not coalesce(l.last_seen_at > ${reread?.after ?? null}::timestamptz
                              and l.last_seen_at < ${reread?.before ?? null}::timestamptz,
                              false) as seen_in_pass,
           l.listed_twice_at is not null as listed_twice
    from unnest(${sql.param(ids)}::text[]) as input(id)
    cross join lateral (
      select * from licenses
      where integrated_account_id = ${accountId} and id = input.id
      limit 1
    ) l
  `);
  return new Map(result.rows.map((row) => [row.id, row]));
}

/** Whether the account has any license stored, deleted ones included. */
export async function hasStoredLicenses(db: Db, accountId: string): Promise<boolean> {
  const result = await db.execute<{ found: boolean }>(sql`
    select exists (select 1 from licenses where integrated_account_id = ${accountId}) as found
  `);
  return result.rows[0]?.found === true;
}

/**
 * Whether a record with digest `sourceHash` may leave the license as it is stored: its rows
 * came from the same bytes, and it is neither deleted nor held back as listed twice (those
 * need the record's rows).
 */
export function isUnchangedSource(state: StoredState | undefined, sourceHash: string | null) {
  return (
    state !== undefined &&
    sourceHash !== null &&
    state.source_hash === sourceHash &&
    !state.deleted &&
    !state.listed_twice
  );
}
