import { sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { markUsageStale } from './usage-daily.js';

/**
 * Marks deleted the account's licenses that a complete pass did not see. Their products and
 * roles stay as they were last listed, so that a deleted license still tells what it was.
 */
export async function markUnseenDeleted(
  db: Db,
  integratedAccountId: string,
  passStartedAt: string,
): Promise<number> {
  const result = await db.execute(sql`
    update licenses set deleted_at = now(), synced_at = now()
    where integrated_account_id = ${integratedAccountId}
      and deleted_at is null
      and last_seen_at < ${passStartedAt}::timestamptz
  `);
  const deleted = result.rowCount ?? 0;
  if (deleted > 0) await markUsageStale(db, integratedAccountId);
  return deleted;
}

/** Marks deleted every license of an account that Truto says was deleted. */
export async function markAccountDeleted(db: Db, integratedAccountId: string): Promise<number> {
  // Every stored time is before 'infinity': no license of the account counts as seen.
  return markUnseenDeleted(db, integratedAccountId, 'infinity');
}
