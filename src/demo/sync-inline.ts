import { syncDependencies, type Runtime } from '../app/runtime.js';
import { fanOut, type AccountToSync, type FanOutSummary } from '../queue/fan-out.js';
import { AccountBusyError } from '../store/account-lock.js';
import { syncAccount, type RunResult, type SyncDependencies } from '../sync/sync-account.js';
import { createMemoryRateLimits } from '../truto/redis-rate-limits.js';

export interface InlineSyncOutcome {
  listing: FanOutSummary;
  runs: RunResult[];
  /** Accounts another process was syncing at that moment; nothing was done to them. */
  busy: AccountToSync[];
}

/**
 * What the nightly fan-out and its jobs do, without Redis: lists the integrated accounts,
 * records each one, and syncs those the fan-out would queue, one after the other in this
 * process. The accounts are collected before the first sync, so that a long sync never
 * outlives the listing's cursor.
 */
export async function syncAccountsInline(
  runtime: Runtime,
  onAccount: (account: AccountToSync) => void,
): Promise<InlineSyncOutcome> {
  const deps = syncDependencies(runtime, createMemoryRateLimits(runtime.config.rateLimits));
  try {
    const toSync: AccountToSync[] = [];
    const fanOutDeps = {
      truto: deps.truto,
      db: runtime.database.db,
      logger: runtime.logger,
      licenseIntegrations: runtime.config.licenseIntegrations,
    };
    const listing = await fanOut(fanOutDeps, (accounts) => {
      toSync.push(...accounts);
      return Promise.resolve();
    });

    const outcome: InlineSyncOutcome = { listing, runs: [], busy: [] };
    for (const account of toSync) {
      onAccount(account);
      const result = await syncUnlessBusy(deps, account);
      if (result === 'busy') outcome.busy.push(account);
      else outcome.runs.push(result);
    }
    return outcome;
  } finally {
    await deps.truto.close();
  }
}

async function syncUnlessBusy(
  deps: SyncDependencies,
  account: AccountToSync,
): Promise<RunResult | 'busy'> {
  try {
    return await syncAccount(deps, {
      integratedAccountId: account.integratedAccountId,
      integration: account.integration ?? undefined,
      trigger: 'cli',
    });
  } catch (error) {
    if (error instanceof AccountBusyError) return 'busy';
    throw error;
  }
}
