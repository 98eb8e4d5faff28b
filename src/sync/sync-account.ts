import { withAccountLock } from '../store/account-lock.js';
import { clearCheckpoint, loadCheckpoint } from '../store/checkpoints.js';
import { dropStaleHeldLicenses } from '../store/held-licenses.js';
import { hasStoredLicenses } from '../store/stored-state.js';
import {
  closeInterruptedRuns,
  databaseNow,
  emptyCounts,
  setRunPassStart,
  startRun,
} from '../store/runs.js';
import { BatchWriter } from './batch-writer.js';
import { asError, completePass, recordFailure, reportRunEnded } from './end-run.js';
import { readPass } from './read-pass.js';
import { RefusedCheckpointError } from './sync-errors.js';
import type { Pass, RunResult, SyncDependencies, SyncRequest } from './sync-types.js';

export type { LicenseSource, RunResult, SyncDependencies, SyncRequest } from './sync-types.js';

/**
 * Syncs one integrated account: reads every page of its licenses, writes them batch by batch
 * with the next page's cursor, and, once the listing is complete, marks deleted what it no
 * longer holds. A run that fails leaves its checkpoint for the next run to go on from. The
 * result says how the run ended; only a busy account or a database that cannot record the
 * run at all throws.
 */
export async function syncAccount(deps: SyncDependencies, request: SyncRequest) {
  const result = await withAccountLock(deps.database, request.integratedAccountId, (lockLost) =>
    runLocked(deps, request, lockLost),
  );
  return reportRunEnded(deps, request.trigger, result);
}

async function runLocked(
  deps: SyncDependencies,
  request: SyncRequest,
  lockLost: AbortSignal,
): Promise<RunResult> {
  const started = performance.now();
  let pass = await beginRun(deps, request, lockLost);
  let writer = createWriter(deps, request, pass);

  const result = { runId: pass.runId, integratedAccountId: pass.accountId, resumed: pass.resumed };
  try {
    let read: { sawPartialResponse: boolean };
    try {
      read = await readPass(deps, request, pass, writer);
    } catch (error) {
      if (!(error instanceof RefusedCheckpointError)) throw error;
      pass.logger.warn({ err: error.cause }, 'Truto refused the checkpoint cursor; listing anew');
      pass = await startNewPass(deps, pass);
      writer = createWriter(deps, request, pass);
      read = await readPass(deps, request, pass, writer);
    }
    const counts = await completePass(deps, pass, writer.counts, read.sawPartialResponse);
    const durationMs = Math.round(performance.now() - started);
    pass.logger.info({ ...counts, durationMs }, 'sync run succeeded');
    return { ...result, status: 'succeeded', counts, durationMs };
  } catch (caught) {
    await writer.settle();
    const error = asError(caught);
    await recordFailure(deps, pass, writer.counts, error);
    const durationMs = Math.round(performance.now() - started);
    return { ...result, status: 'failed', counts: writer.counts, durationMs, error };
  }
}

/**
 * Opens a run: closes what a crash left running, takes the checkpoint (or starts a pass),
 * and records the run as `running`.
 */
async function beginRun(
  deps: SyncDependencies,
  request: SyncRequest,
  lockLost: AbortSignal,
): Promise<Pass> {
  const { db } = deps.database;
  const accountId = request.integratedAccountId;

  const interrupted = await closeInterruptedRuns(db, accountId);
  if (request.full === true) await clearCheckpoint(db, accountId);
  const checkpoint = await loadCheckpoint(db, accountId);
  const passStartedAt = checkpoint?.passStartedAt ?? (await databaseNow(db));
  await dropStaleHeldLicenses(db, accountId, passStartedAt);
  const resumed = checkpoint !== null;
  const reread = checkpoint && { after: checkpoint.savedAt, before: await databaseNow(db) };
  const hadLicenses = await hasStoredLicenses(db, accountId);
  const runId = await startRun(db, {
    integratedAccountId: accountId,
    trigger: request.trigger,
    passStartedAt,
    resumed,
  });

  const logger = deps.logger.child({ integratedAccountId: accountId, runId });
  logger.info({ trigger: request.trigger, resumed, interrupted }, 'sync run started');
  const signal = AbortSignal.any(request.signal ? [lockLost, request.signal] : [lockLost]);
  const context = { accountId, runId, logger, signal };
  return { ...context, passStartedAt, checkpoint, reread, resumed, hadLicenses };
}

/**
 * Starts the listing over as a new pass, for a checkpoint whose cursor Truto refused. Not the
 * old pass: every license it saw would be seen again and look listed twice.
 */
async function startNewPass(deps: SyncDependencies, pass: Pass): Promise<Pass> {
  const { db } = deps.database;
  await clearCheckpoint(db, pass.accountId);
  const passStartedAt = await databaseNow(db);
  await dropStaleHeldLicenses(db, pass.accountId, passStartedAt);
  await setRunPassStart(db, pass.runId, passStartedAt);
  return { ...pass, passStartedAt, checkpoint: null, reread: null };
}

function createWriter(deps: SyncDependencies, request: SyncRequest, pass: Pass): BatchWriter {
  return new BatchWriter({
    db: deps.database.db,
    newLicenses: deps.database.newLicenses,
    logger: pass.logger,
    runId: pass.runId,
    integratedAccountId: request.integratedAccountId,
    passStartedAt: pass.passStartedAt,
    reread: pass.reread,
    lookUpStored: pass.hadLicenses,
    batchSize: deps.tuning.batchSize,
    maxRecordChars: deps.tuning.maxRecordChars,
    signal: pass.signal,
    counts: emptyCounts(),
    onCommitted: (counts) => request.onProgress?.(counts),
  });
}
