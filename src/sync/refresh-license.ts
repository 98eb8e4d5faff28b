import { queryParamsFor } from '../config/query-params.js';
import type { Logger } from '../logging/logger.js';
import { withAccountLock } from '../store/account-lock.js';
import type { Db } from '../store/database.js';
import {
  databaseNow,
  emptyCounts,
  finishRun,
  startRun,
  type RunCounts,
  type RunTrigger,
} from '../store/runs.js';
import { recordDailyUsage, type UsageDay } from '../store/usage-daily.js';
import { writeRefreshedLicense } from '../store/write-batch.js';
import { TrutoError } from '../truto/truto-error.js';
import { withDatabaseRetries } from './database-retry.js';
import { parsedRecordRows } from './record-rows.js';
import type { RunResult, SyncDependencies } from './sync-account.js';
import { describeFailure } from './sync-errors.js';
import { reportRunEnded } from './end-run.js';

export interface RefreshRequest {
  integratedAccountId: string;
  licenseId: string;
  integration?: string;
  trigger: RunTrigger;
  signal?: AbortSignal;
}

/**
 * Reads one license again through `GET /licenses/{id}` and stores it, as a run of its own
 * (`sync_runs.license_id` names the license). It is not a pass: it deletes nothing and leaves
 * the account's checkpoint alone. It takes the account lock all the same (AccountBusyError
 * while a sync runs): written during a pass, the license would look listed twice to it. A
 * license Truto does not know fails the refresh; only a full listing may mark it deleted. A
 * refresh that succeeds rewrites that license's row of the day in `license_usage_daily`, in
 * the transaction that finishes the run.
 */
export async function refreshLicense(
  deps: SyncDependencies,
  request: RefreshRequest,
): Promise<RunResult> {
  const result = await withAccountLock(deps.database, request.integratedAccountId, (lockLost) =>
    refreshAsRun(deps, {
      ...request,
      signal: AbortSignal.any(request.signal ? [lockLost, request.signal] : [lockLost]),
    }),
  );
  return reportRunEnded(deps, request.trigger, result);
}

async function refreshAsRun(deps: SyncDependencies, request: RefreshRequest): Promise<RunResult> {
  const { db } = deps.database;
  const { integratedAccountId, licenseId } = request;
  const started = performance.now();
  const passStartedAt = await databaseNow(db);
  const runId = await startRun(db, {
    integratedAccountId,
    licenseId,
    trigger: request.trigger,
    passStartedAt,
    resumed: false,
  });
  const logger = deps.logger.child({ integratedAccountId, licenseId, runId });
  let counts = { ...emptyCounts(), pages: 1 };

  try {
    const params = queryParamsFor(deps.queryParams, integratedAccountId, request.integration);
    const record = await fetchLicense(deps, request, params);
    const rows = parsedRecordRows(record, null, deps.tuning.maxRecordChars);
    const { newLicenses } = deps.database;
    const target = { runId, integratedAccountId, passStartedAt, counts, newLicenses, reread: null };
    const outcome = await withDatabaseRetries(
      () => writeRefreshedLicense(db, target, rows.license, rows.rejects),
      logger,
    );
    const rejected = rows.license === undefined ? 1 : 0;
    counts = { ...counts, recordsSeen: 1, rejected, ...outcome };
    const usage = { integratedAccountId, runId, passStartedAt, licenseId };
    await completeRefresh(db, usage, counts, logger);
    const durationMs = Math.round(performance.now() - started);
    logger.info({ ...counts, durationMs }, 'license refresh succeeded');
    return { runId, integratedAccountId, status: 'succeeded', resumed: false, counts, durationMs };
  } catch (caught) {
    const error = caught instanceof Error ? caught : new Error(String(caught));
    logger.warn({ err: error }, 'license refresh failed');
    await finishRun(db, runId, { status: 'failed', counts, error: describeFailure(error) });
    const durationMs = Math.round(performance.now() - started);
    return {
      runId,
      integratedAccountId,
      status: 'failed',
      resumed: false,
      counts,
      durationMs,
      error,
    };
  }
}

/** The license's usage row of the day and the run's success stand or fall together. */
async function completeRefresh(db: Db, usage: UsageDay, counts: RunCounts, logger: Logger) {
  await withDatabaseRetries(
    () =>
      db.transaction(async (tx) => {
        await recordDailyUsage(tx, usage);
        await finishRun(tx, usage.runId, { status: 'succeeded', counts });
      }),
    logger,
  );
}

async function fetchLicense(
  deps: SyncDependencies,
  request: RefreshRequest,
  params: Record<string, string | string[]>,
): Promise<unknown> {
  const { integratedAccountId, licenseId, signal } = request;
  try {
    return await deps.source.getLicense(integratedAccountId, licenseId, params, signal);
  } catch (error) {
    if (!(error instanceof TrutoError) || error.status !== 404) throw error;
    throw new TrutoError(
      `Truto has no license ${licenseId} in integrated account ${integratedAccountId} (404); ` +
        'it may have been removed upstream, and the next full sync will mark it deleted.',
      { kind: 'rejected', status: 404, cause: error },
    );
  }
}
