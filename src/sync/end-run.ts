import { recordRunOutcome } from '../store/account-outcomes.js';
import { clearCheckpoint } from '../store/checkpoints.js';
import { markUnseenDeleted } from '../store/mark-deleted.js';
import { finishRun, type RunCounts, type RunTrigger } from '../store/runs.js';
import { recordPassUsage } from '../store/usage-daily.js';
import { applyHeldLicenses, countBatch } from '../store/write-batch.js';
import { TrutoError } from '../truto/truto-error.js';
import { withDatabaseRetries } from './database-retry.js';
import { describeFailure, RepeatedCursorError } from './sync-errors.js';
import type { Pass, RunResult, SyncDependencies } from './sync-types.js';

/**
 * Ends a complete pass in one transaction: deletions, the day's usage rows, the checkpoint's
 * removal and the run's success stand or fall together. A pass that met a partial response
 * deletes nothing: it cannot tell a deleted license from one the vendor left out.
 */
export async function completePass(
  deps: SyncDependencies,
  pass: Pass,
  counts: RunCounts,
  sawPartialResponse: boolean,
): Promise<RunCounts> {
  if (sawPartialResponse) {
    pass.logger.warn('Truto sent a partial response in this pass; nothing is marked deleted');
  }
  const { accountId } = pass;
  return withDatabaseRetries(
    () =>
      deps.database.db.transaction(async (tx) => {
        pass.signal.throwIfAborted();
        const held = await applyHeldLicenses(tx, accountId, pass.passStartedAt);
        // A run that began with no licenses stored wrote every one there is: none is unseen.
        const deleted =
          sawPartialResponse || !pass.hadLicenses
            ? 0
            : await markUnseenDeleted(tx, accountId, pass.passStartedAt);
        const final = { ...countBatch(counts, held), deleted };
        const { runId, passStartedAt } = pass;
        await clearCheckpoint(tx, accountId);
        await finishRun(tx, pass.runId, { status: 'succeeded', counts: final });
        await recordRunOutcome(tx, {
          integratedAccountId: accountId,
          runId: pass.runId,
          status: 'succeeded',
          error: null,
          needsReauth: false,
        });
        // After the outcome, which makes the account's row where a run started by hand
        // had none: the day it records is kept there.
        await recordPassUsage(tx, { integratedAccountId: accountId, runId, passStartedAt });
        return final;
      }),
    pass.logger,
  );
}

export async function recordFailure(
  deps: SyncDependencies,
  pass: Pass,
  counts: RunCounts,
  error: Error,
): Promise<void> {
  const message = pass.signal.aborted
    ? `interrupted: ${describeFailure(asError(pass.signal.reason))}`
    : describeFailure(error);
  const level = error instanceof RepeatedCursorError || isAccountProblem(error) ? 'warn' : 'error';
  pass.logger[level]({ err: error, ...counts }, 'sync run failed');

  const { db } = deps.database;
  await withDatabaseRetries(async () => {
    // A repeating cursor would repeat again from the checkpoint: the next run starts over.
    if (error instanceof RepeatedCursorError) await clearCheckpoint(db, pass.accountId);
    await finishRun(db, pass.runId, { status: 'failed', counts, error: message });
    await recordRunOutcome(db, {
      integratedAccountId: pass.accountId,
      runId: pass.runId,
      status: 'failed',
      error: message,
      needsReauth: errorKind(error) === 'needs-reauth',
    });
  }, pass.logger).catch((writeError: unknown) => {
    pass.logger.error(
      { err: writeError },
      'could not record the failed run; the next run closes it',
    );
  });
}

/** Tells the observer, if there is one, how a run ended. */
export function reportRunEnded(
  deps: SyncDependencies,
  trigger: RunTrigger,
  result: RunResult,
): RunResult {
  const { status, counts, durationMs } = result;
  deps.observer?.onRunEnded({ trigger, status, counts, durationMs });
  return result;
}

function isAccountProblem(error: Error): boolean {
  const kind = errorKind(error);
  return kind === 'needs-reauth' || kind === 'blocked';
}

export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function errorKind(error: Error): string | undefined {
  return error instanceof TrutoError ? error.kind : undefined;
}
