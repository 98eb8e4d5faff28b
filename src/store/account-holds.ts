import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

/** Written to `truto_status` when Truto says an account was deleted; no listing says it. */
const DELETED_STATUS = 'deleted';

/**
 * Marks an account as needing re-authorization, as Truto's `authentication_error` event
 * says. Until the flag is cleared its queued syncs are skipped; see `syncHold`.
 */
export async function holdForReauthorization(db: Db, integratedAccountId: string): Promise<void> {
  await setAccountState(db, integratedAccountId, 'needs_reauth', true);
}

/** Clears the re-authorization hold, as Truto's `reactivated` event says. */
export async function releaseReauthorizationHold(
  db: Db,
  integratedAccountId: string,
): Promise<void> {
  await setAccountState(db, integratedAccountId, 'active', false);
}

/** Records that Truto deleted the account: its queued syncs are skipped from now on. */
export async function holdDeletedAccount(db: Db, integratedAccountId: string): Promise<void> {
  await setAccountState(db, integratedAccountId, DELETED_STATUS, false);
}

/**
 * Why a queued sync of the account must not run, or `null` when it may. An account Truto
 * deleted, or one that needs re-authorization, would only fail against Truto.
 */
export async function syncHold(db: Db, integratedAccountId: string): Promise<string | null> {
  const result = await db.execute<{ truto_status: string | null; needs_reauth: boolean }>(sql`
    select truto_status, needs_reauth from integrated_accounts where id = ${integratedAccountId}
  `);
  const row = result.rows[0];
  if (row === undefined) return null;
  if (row.truto_status === DELETED_STATUS) return 'deleted in Truto';
  return row.needs_reauth ? 'needs re-authorization' : null;
}

async function setAccountState(
  db: Db,
  integratedAccountId: string,
  trutoStatus: string,
  needsReauth: boolean,
): Promise<void> {
  await db.execute(sql`
    insert into integrated_accounts as a (id, truto_status, needs_reauth, updated_at)
    values (${integratedAccountId}, ${trutoStatus}, ${needsReauth}, now())
    on conflict (id) do update set
      truto_status = excluded.truto_status,
      needs_reauth = excluded.needs_reauth,
      updated_at = excluded.updated_at
  `);
}
