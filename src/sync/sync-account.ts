import type { QueryParamRules, QueryParams } from '../config/query-params.js';
import { queryParamsFor } from '../config/query-params.js';
import type { SyncTuning } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { withAccountLock } from '../store/account-lock.js';
import { recordRunOutcome } from '../store/account-outcomes.js';
import { clearCheckpoint, loadCheckpoint, type Checkpoint } from '../store/checkpoints.js';
import type { Database } from '../store/database.js';
import { dropStaleHeldLicenses } from '../store/held-licenses.js';
import { markUnseenDeleted } from '../store/mark-deleted.js';
import { applyHeldLicenses, countBatch } from '../store/write-batch.js';
import {
  closeInterruptedRuns,
  databaseNow,
  emptyCounts,
  finishRun,
  startRun,
  type RunCounts,
  type RunTrigger,
} from '../store/runs.js';
import type { PageRequest, PageResult, RecordSink } from '../truto/truto-client.js';
import { TrutoError } from '../truto/truto-error.js';
import { BatchWriter } from './batch-writer.js';
import { withDatabaseRetries } from './database-retry.js';
import { describeFailure, isRefusedCursor, RepeatedCursorError } from './sync-errors.js';

/** Where licenses come from: the Truto client, or anything that pages like it. */
export interface LicenseSource {
  listPage(page: PageRequest, sink: RecordSink): Promise<PageResult>;
  getLicense(
    integratedAccountId: string,
    licenseId: string,
    extraParams: QueryParams,
    signal?: AbortSignal,
  ): Promise<unknown>;
}

export interface SyncDependencies {
  database: Database;
  source: LicenseSource;
  logger: Logger;
  tuning: SyncTuning;
  queryParams: QueryParamRules;
}

export interface SyncRequest {
  integratedAccountId: string;
  /** The account's integration name, where known, for its configured query parameters. */
  integration?: string;
  trigger: RunTrigger;
  /** Ignore any checkpoint and list the account from its first page. */
  full?: boolean;
  signal?: AbortSignal;
  onProgress?: (counts: RunCounts) => void;
}

export interface RunResult {
  runId: number;
  integratedAccountId: string;
  status: 'succeeded' | 'failed';
  /** True when the run went on from a checkpoint an earlier run left. */
  resumed: boolean;
  counts: RunCounts;
  durationMs: number;
  error?: Error;
}

interface Pass {
  accountId: string;
  runId: number;
  passStartedAt: string;
  checkpoint: Checkpoint | null;
  logger: Logger;
  signal: AbortSignal;
}

/**
 * Syncs one integrated account: reads every page of its licenses, writes them batch by batch
 * with the next page's cursor, and, once the listing is complete, marks deleted what it no
 * longer holds. A run that fails leaves its checkpoint for the next run to go on from. The
 * result says how the run ended; only a busy account or a database that cannot record the
 * run at all throws.
 */
export async function syncAccount(deps: SyncDependencies, request: SyncRequest) {
  return withAccountLock(deps.database, request.integratedAccountId, (lockLost) =>
    runLocked(deps, request, lockLost),
  );
}

async function runLocked(
  deps: SyncDependencies,
  request: SyncRequest,
  lockLost: AbortSignal,
): Promise<RunResult> {
  const { db } = deps.database;
  const accountId = request.integratedAccountId;
  const started = performance.now();

  const interrupted = await closeInterruptedRuns(db, accountId);
  if (request.full === true) await clearCheckpoint(db, accountId);
  const checkpoint = await loadCheckpoint(db, accountId);
  const passStartedAt = checkpoint?.passStartedAt ?? (await databaseNow(db));
  await dropStaleHeldLicenses(db, accountId, passStartedAt);
  const resumed = checkpoint !== null;
  const runId = await startRun(db, {
    integratedAccountId: accountId,
    trigger: request.trigger,
    passStartedAt,
    resumed,
  });

  const logger = deps.logger.child({ integratedAccountId: accountId, runId });
  logger.info({ trigger: request.trigger, resumed, interrupted }, 'sync run started');
  const signals = request.signal ? [lockLost, request.signal] : [lockLost];
  const signal = AbortSignal.any(signals);
  const pass: Pass = { accountId, runId, passStartedAt, checkpoint, logger, signal };
  const writer = createWriter(deps, request, pass);

  const result = { runId, integratedAccountId: accountId, resumed };
  try {
    const { sawPartialResponse } = await readPass(deps, request, pass, writer);
    const counts = await completePass(deps, pass, writer.counts, sawPartialResponse);
    const durationMs = Math.round(performance.now() - started);
    logger.info({ ...counts, durationMs }, 'sync run succeeded');
    return { ...result, status: 'succeeded', counts, durationMs };
  } catch (caught) {
    await writer.settle();
    const error = asError(caught);
    await recordFailure(deps, pass, writer.counts, error);
    const durationMs = Math.round(performance.now() - started);
    return { ...result, status: 'failed', counts: writer.counts, durationMs, error };
  }
}

function createWriter(deps: SyncDependencies, request: SyncRequest, pass: Pass): BatchWriter {
  return new BatchWriter({
    db: deps.database.db,
    logger: pass.logger,
    runId: pass.runId,
    integratedAccountId: request.integratedAccountId,
    passStartedAt: pass.passStartedAt,
    batchSize: deps.tuning.batchSize,
    maxRecordChars: deps.tuning.maxRecordChars,
    signal: pass.signal,
    counts: emptyCounts(),
    onCommitted: (counts) => request.onProgress?.(counts),
  });
}

/**
 * Reads pages from the checkpoint (or the first page) to the end of the listing. Each page's
 * last batch commits the cursor of the page after it.
 */
async function readPass(
  deps: SyncDependencies,
  request: SyncRequest,
  pass: Pass,
  writer: BatchWriter,
): Promise<{ sawPartialResponse: boolean }> {
  const extraParams = queryParamsFor(
    deps.queryParams,
    request.integratedAccountId,
    request.integration,
  );
  let cursor = pass.checkpoint?.nextCursor ?? null;
  let pages = pass.checkpoint?.pagesDone ?? 0;
  let sawPartialResponse = pass.checkpoint?.sawPartialResponse ?? false;
  let resuming = cursor !== null;
  const cursorsSeen = new Set<string>(cursor === null ? [] : [cursor]);

  for (;;) {
    const request_ = {
      integratedAccountId: request.integratedAccountId,
      cursor,
      extraParams,
      signal: pass.signal,
    };
    let page: PageResult;
    try {
      page = await deps.source.listPage(request_, (records) => writer.add(records));
    } catch (error) {
      if (!resuming || !isRefusedCursor(error)) throw error;
      // The checkpoint's cursor expired: list from the start, in the same pass, so that what
      // the earlier runs saw still counts as seen.
      pass.logger.warn(
        { err: error },
        'Truto refused the checkpoint cursor; starting the listing over',
      );
      [cursor, pages, sawPartialResponse, resuming] = [null, 0, false, false];
      cursorsSeen.clear();
      continue;
    }
    resuming = false;
    pages += 1;
    sawPartialResponse ||= page.isPartialResponse;

    const next = page.nextCursor;
    if (next !== null && cursorsSeen.has(next)) {
      await writer.finishPage(undefined);
      throw new RepeatedCursorError(request.integratedAccountId, pages);
    }
    const checkpoint =
      next === null
        ? undefined
        : {
            passStartedAt: pass.passStartedAt,
            nextCursor: next,
            pagesDone: pages,
            sawPartialResponse,
          };
    await writer.finishPage(checkpoint);
    if (next === null) return { sawPartialResponse };
    cursorsSeen.add(next);
    cursor = next;
  }
}

/**
 * Ends a complete pass in one transaction: deletions, the checkpoint's removal and the run's
 * success stand or fall together. A pass that met a partial response deletes nothing: it
 * cannot tell a deleted license from one the vendor left out.
 */
async function completePass(
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
        const deleted = sawPartialResponse
          ? 0
          : await markUnseenDeleted(tx, accountId, pass.passStartedAt);
        const final = { ...countBatch(counts, held), deleted };
        await clearCheckpoint(tx, accountId);
        await finishRun(tx, pass.runId, { status: 'succeeded', counts: final });
        await recordRunOutcome(tx, {
          integratedAccountId: accountId,
          runId: pass.runId,
          status: 'succeeded',
          error: null,
          needsReauth: false,
        });
        return final;
      }),
    pass.logger,
  );
}

async function recordFailure(
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

function isAccountProblem(error: Error): boolean {
  const kind = errorKind(error);
  return kind === 'needs-reauth' || kind === 'blocked';
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

function errorKind(error: Error): string | undefined {
  return error instanceof TrutoError ? error.kind : undefined;
}
