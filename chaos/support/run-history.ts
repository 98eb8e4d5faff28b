import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';

export interface RunRow {
  id: number;
  status: 'running' | 'succeeded' | 'failed';
  resumed: boolean;
  error: string | null;
  licenseId: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

/** Every run of an account, oldest first. */
export async function runsOf(pool: pg.Pool, accountId: string): Promise<RunRow[]> {
  const result = await pool.query<RunRow>(
    `select id::int as id, status, resumed, error, license_id as "licenseId",
            started_at as "startedAt", finished_at as "finishedAt"
     from sync_runs where integrated_account_id = $1 order by id`,
    [accountId],
  );
  return result.rows;
}

export async function lastRunId(pool: pg.Pool, accountId: string): Promise<number> {
  const result = await pool.query<{ id: number }>(
    'select coalesce(max(id), 0)::int as id from sync_runs where integrated_account_id = $1',
    [accountId],
  );
  return result.rows[0]?.id ?? 0;
}

export async function hasCheckpoint(pool: pg.Pool, accountId: string): Promise<boolean> {
  const result = await pool.query(
    'select 1 from sync_checkpoints where integrated_account_id = $1',
    [accountId],
  );
  return result.rowCount === 1;
}

/** The pages the account's unfinished listing has done; 0 without a checkpoint. */
export async function pagesDone(pool: pg.Pool, accountId: string): Promise<number> {
  const result = await pool.query<{ pages: number }>(
    'select pages_done as pages from sync_checkpoints where integrated_account_id = $1',
    [accountId],
  );
  return result.rows[0]?.pages ?? 0;
}

/**
 * Waits until a run newer than `afterId` is running, `stop()` says to give up, or the time
 * is out; returns whether the run appeared.
 */
export async function waitForNewRun(
  pool: pg.Pool,
  accountId: string,
  afterId: number,
  options: { timeoutMs: number; stop: () => boolean; whileWaiting?: () => Promise<void> },
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (Date.now() < deadline && !options.stop()) {
    if ((await lastRunId(pool, accountId)) > afterId) return true;
    await options.whileWaiting?.();
    await sleep(50);
  }
  return false;
}

/**
 * Problems in the history a sequence of killed runs should leave: every run but the last
 * failed as interrupted (or had succeeded before its kill landed), the last succeeded, and
 * each run says `resumed` exactly when a checkpoint was there when it started.
 */
export function killedRunProblems(
  runs: readonly RunRow[],
  outcome: { resumedExpected: ReadonlyMap<number, boolean>; finishedBeforeKill: Set<number> },
): string[] {
  const { resumedExpected, finishedBeforeKill } = outcome;
  const problems: string[] = [];
  const last = runs.at(-1);
  if (last?.status !== 'succeeded') {
    problems.push(`the last run is ${last?.status ?? 'missing'}, not succeeded`);
  }
  for (const run of runs.slice(0, -1)) {
    if (finishedBeforeKill.has(run.id)) continue;
    if (run.status !== 'failed' || !/interrupted/.test(run.error ?? '')) {
      problems.push(`run ${run.id} is ${run.status} (${run.error ?? 'no error'}), not interrupted`);
    }
  }
  for (const run of runs) {
    const expected = resumedExpected.get(run.id);
    if (expected !== undefined && expected !== run.resumed) {
      problems.push(`run ${run.id} says resumed=${run.resumed}, expected ${expected}`);
    }
  }
  return problems;
}

/** Account syncs whose intervals overlap, which the account lock must make impossible. */
export function overlappingRuns(syncs: readonly RunRow[]): string[] {
  const sorted = [...syncs].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
  const problems: string[] = [];
  for (let index = 1; index < sorted.length; index++) {
    const previous = sorted[index - 1];
    const current = sorted[index];
    if (previous === undefined || current === undefined) continue;
    const previousEnd = previous.finishedAt?.getTime() ?? Infinity;
    if (current.startedAt.getTime() < previousEnd) {
      problems.push(`runs ${previous.id} and ${current.id} of one account overlap`);
    }
  }
  return problems;
}
