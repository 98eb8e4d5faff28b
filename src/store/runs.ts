import { and, eq, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { syncRuns } from './schema.js';

/** What asked for a run; kept on the run so that the history explains itself. */
export type RunTrigger = 'cli' | 'schedule' | 'on-demand' | 'webhook';

export interface RunCounts {
  pages: number;
  recordsSeen: number;
  written: number;
  unchanged: number;
  rejected: number;
  deleted: number;
}

export const emptyCounts = (): RunCounts => ({
  pages: 0,
  recordsSeen: 0,
  written: 0,
  unchanged: 0,
  rejected: 0,
  deleted: 0,
});

export interface NewRun {
  integratedAccountId: string;
  /** For a refresh of one license. */
  licenseId?: string;
  trigger: RunTrigger;
  passStartedAt: string;
  resumed: boolean;
}

export async function startRun(db: Db, run: NewRun): Promise<number> {
  const [row] = await db.insert(syncRuns).values(run).returning({ id: syncRuns.id });
  if (row === undefined) throw new Error('Inserting a sync run returned no id');
  return row.id;
}

/** Moves a run to a new pass, when its listing had to start over. */
export async function setRunPassStart(db: Db, runId: number, passStartedAt: string) {
  await db.update(syncRuns).set({ passStartedAt }).where(eq(syncRuns.id, runId));
}

/** Stores the counts so far; called in each batch's transaction so progress is never ahead. */
export async function saveRunCounts(db: Db, runId: number, counts: RunCounts): Promise<void> {
  await db.update(syncRuns).set(counts).where(eq(syncRuns.id, runId));
}

export async function finishRun(
  db: Db,
  runId: number,
  outcome: { status: 'succeeded' | 'failed'; counts: RunCounts; error?: string },
): Promise<void> {
  await db
    .update(syncRuns)
    .set({
      ...outcome.counts,
      status: outcome.status,
      error: outcome.error ?? null,
      finishedAt: sql`now()`,
    })
    .where(eq(syncRuns.id, runId));
}

/**
 * Closes the runs of an account that a crash left `running`. Only called under the account's
 * lock, so no run it closes can still be alive.
 */
export async function closeInterruptedRuns(db: Db, integratedAccountId: string): Promise<number> {
  const closed = await db
    .update(syncRuns)
    .set({
      status: 'failed',
      finishedAt: sql`now()`,
      error: 'interrupted: the process stopped before the run finished',
    })
    .where(
      and(eq(syncRuns.integratedAccountId, integratedAccountId), eq(syncRuns.status, 'running')),
    )
    .returning({ id: syncRuns.id });
  return closed.length;
}

/** The database's clock: every time the sync compares comes from the same one. */
export async function databaseNow(db: Db): Promise<string> {
  const result = await db.execute<{ now: string }>(sql`select now()::text as now`);
  const now = result.rows[0]?.now;
  if (now === undefined) throw new Error('select now() returned no row');
  return now;
}
