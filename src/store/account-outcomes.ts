import { sql } from 'drizzle-orm';
import type { Db } from './database.js';

export interface RunOutcome {
  integratedAccountId: string;
  runId: number;
  status: 'succeeded' | 'failed';
  error: string | null;
  /** True when the run learnt that the account needs re-authorization. */
  needsReauth: boolean;
}

/**
 * Keeps the account's row in `integrated_accounts` current after each run. An account that
 * the fan-out has not listed yet (a run started by hand) gets a row with what is known.
 */
export async function recordRunOutcome(db: Db, outcome: RunOutcome): Promise<void> {
  const succeeded = outcome.status === 'succeeded';
  await db.execute(sql`
    insert into integrated_accounts as a (
      id, last_run_id, last_run_at, last_run_status, last_success_at,
      consecutive_failures, needs_reauth, last_error, updated_at)
    values (
      ${outcome.integratedAccountId}, ${outcome.runId}, now(), ${outcome.status},
      ${succeeded ? sql`now()` : null}, ${succeeded ? 0 : 1}, ${outcome.needsReauth},
      ${outcome.error}, now())
    on conflict (id) do update set
      last_run_id = excluded.last_run_id,
      last_run_at = excluded.last_run_at,
      last_run_status = excluded.last_run_status,
      last_success_at = coalesce(excluded.last_success_at, a.last_success_at),
      consecutive_failures = case when ${succeeded} then 0 else a.consecutive_failures + 1 end,
      needs_reauth = case when ${succeeded} then false else a.needs_reauth or excluded.needs_reauth end,
      last_error = excluded.last_error,
      updated_at = now()
  `);
}
