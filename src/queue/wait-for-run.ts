import { and, eq, gte, isNull, ne } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import type { RunCounts } from '../store/runs.js';
import { syncRuns } from '../store/schema.js';

export interface FinishedRun extends RunCounts {
  id: number;
  status: string;
  error: string | null;
}

export interface RunWait {
  integratedAccountId: string;
  /** For a refresh of one license; absent for a sync of the account. */
  licenseId?: string;
  /** The database's time when the request was made: the first run to start after it serves it. */
  since: string;
  timeoutMs: number;
  pollMs?: number;
}

/**
 * Waits for the run that serves a request: the first run of the account (or license) to
 * start after the request and finish. Watching the runs, not a job id, also covers a
 * request that joined a job already waiting, or one kept to follow a running sync.
 */
export async function waitForRun(db: Db, wait: RunWait): Promise<FinishedRun | null> {
  const deadline = Date.now() + wait.timeoutMs;
  for (;;) {
    const run = await findFinishedRun(db, wait);
    if (run !== undefined) return run;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, wait.pollMs ?? 500));
  }
}

async function findFinishedRun(db: Db, wait: RunWait): Promise<FinishedRun | undefined> {
  const license =
    wait.licenseId === undefined
      ? isNull(syncRuns.licenseId)
      : eq(syncRuns.licenseId, wait.licenseId);
  const [run] = await db
    .select({
      id: syncRuns.id,
      status: syncRuns.status,
      error: syncRuns.error,
      pages: syncRuns.pages,
      recordsSeen: syncRuns.recordsSeen,
      written: syncRuns.written,
      unchanged: syncRuns.unchanged,
      rejected: syncRuns.rejected,
      deleted: syncRuns.deleted,
    })
    .from(syncRuns)
    .where(
      and(
        eq(syncRuns.integratedAccountId, wait.integratedAccountId),
        license,
        gte(syncRuns.startedAt, wait.since),
        ne(syncRuns.status, 'running'),
      ),
    )
    .orderBy(syncRuns.id)
    .limit(1);
  return run;
}
