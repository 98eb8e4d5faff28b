import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import { ConfigError } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import { syncHold } from '../store/account-holds.js';
import { AccountBusyError } from '../store/account-lock.js';
import type { RunCounts } from '../store/runs.js';
import { refreshLicense } from '../sync/refresh-license.js';
import { syncAccount, type RunResult, type SyncDependencies } from '../sync/sync-account.js';
import type { TrutoClient } from '../truto/truto-client.js';
import { TrutoError } from '../truto/truto-error.js';
import { fanOut } from './fan-out.js';
import {
  JobName,
  Priority,
  type JobData,
  type JobOutcome,
  type RefreshLicenseData,
  type SyncAccountData,
} from './job-types.js';
import { enqueueAccountSyncs, type LicenseQueue } from './license-queue.js';

export interface ProcessorContext {
  deps: SyncDependencies & { truto: TrutoClient };
  queue: LicenseQueue;
  licenseIntegrations: string[] | null;
  /** See `FanOutDependencies.keepReauthHolds`. */
  keepReauthHolds: boolean;
  logger: Logger;
  /** Aborts when the worker shuts down: running syncs stop at their next batch. */
  shutdown: AbortSignal;
}

/** How long a job waits when another process holds its account. */
const BUSY_RETRY_MS = 15_000;

/**
 * Runs one job. A run that failed becomes the error BullMQ acts on: retried with backoff,
 * failed for good (re-authorization, a blocked account, a request Truto refuses), delayed
 * for as long as a 429 asks, or put back to wait for another worker when this one stops.
 */
export function createJobProcessor(context: ProcessorContext) {
  return async (job: Job<JobData>, token?: string): Promise<JobOutcome> => {
    switch (job.name) {
      case JobName.syncAccount:
        return runAccountSync(context, job as Job<SyncAccountData>, token);
      case JobName.refreshLicense:
        return runRefresh(context, job as Job<RefreshLicenseData>, token);
      case JobName.syncAll:
        return runFanOut(context, job);
      default:
        throw new UnrecoverableError(`Unknown job name "${job.name}"; nothing runs it.`);
    }
  };
}

async function runAccountSync(
  context: ProcessorContext,
  job: Job<SyncAccountData>,
  token: string | undefined,
): Promise<JobOutcome> {
  const { data } = job;
  const hold =
    data.force === true ? null : await syncHold(context.deps.database.db, data.integratedAccountId);
  if (hold !== null) {
    const fields = { jobId: job.id, integratedAccountId: data.integratedAccountId, reason: hold };
    context.logger.info(fields, 'sync skipped: the account is held');
    return { status: 'skipped', reason: hold };
  }
  // A full sync starts over once; if it is retried or resumed by another worker, it goes on
  // from the checkpoint its first run left, like any other.
  if (data.full) await job.updateData({ ...data, full: false });
  const attempt = () =>
    syncAccount(context.deps, {
      integratedAccountId: data.integratedAccountId,
      integration: data.integration ?? undefined,
      trigger: data.trigger,
      full: data.full,
      signal: context.shutdown,
      onProgress: (counts) => {
        reportProgress(job, counts);
      },
    });
  return settle(context, job, token, attempt);
}

async function runRefresh(
  context: ProcessorContext,
  job: Job<RefreshLicenseData>,
  token: string | undefined,
): Promise<JobOutcome> {
  const { data } = job;
  const attempt = () =>
    refreshLicense(context.deps, {
      integratedAccountId: data.integratedAccountId,
      licenseId: data.licenseId,
      integration: data.integration ?? undefined,
      trigger: data.trigger,
      signal: context.shutdown,
    });
  return settle(context, job, token, attempt);
}

async function runFanOut(context: ProcessorContext, job: Job<JobData>): Promise<JobOutcome> {
  const trigger = 'trigger' in job.data ? job.data.trigger : 'schedule';
  const priority = trigger === 'schedule' ? Priority.scheduled : Priority.onDemand;
  const summary = await fanOut(
    {
      truto: context.deps.truto,
      db: context.deps.database.db,
      logger: context.logger,
      licenseIntegrations: context.licenseIntegrations,
      keepReauthHolds: context.keepReauthHolds,
      signal: context.shutdown,
    },
    (accounts) => enqueueAccountSyncs(context.queue, accounts, trigger, priority),
  );
  return { status: 'succeeded', enqueued: summary.enqueued };
}

async function settle(
  context: ProcessorContext,
  job: Job<JobData>,
  token: string | undefined,
  attempt: () => Promise<RunResult>,
): Promise<JobOutcome> {
  let result: RunResult;
  try {
    result = await attempt();
  } catch (error) {
    if (!(error instanceof AccountBusyError)) throw asJobError(error);
    await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
    throw new DelayedError(error.message);
  }
  if (result.status === 'succeeded') {
    return { runId: result.runId, status: 'succeeded', counts: { ...result.counts } };
  }
  if (context.shutdown.aborted) {
    await job.moveToWait(token);
    throw new WaitingError('the worker is shutting down; another worker resumes the run');
  }
  const error = result.error ?? new Error('the run failed');
  if (error instanceof TrutoError && error.kind === 'rate-limited') {
    await job.moveToDelayed(Date.now() + (error.retryAfterMs ?? BUSY_RETRY_MS), token);
    throw new DelayedError(error.message);
  }
  throw asJobError(error);
}

/** Errors that no retry can fix fail the job at once; the rest use up an attempt. */
function asJobError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError) return new UnrecoverableError(message);
  if (error instanceof TrutoError && !error.retryable) return new UnrecoverableError(message);
  return error instanceof Error ? error : new Error(message);
}

function reportProgress(job: Job<JobData>, counts: RunCounts): void {
  // Progress is a courtesy to `license-sync status`; losing one update loses nothing.
  job.updateProgress({ ...counts }).catch(() => undefined);
}
