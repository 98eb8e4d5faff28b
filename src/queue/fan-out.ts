import type { Logger } from '../logging/logger.js';
import { upsertListedAccounts, type AccountListing } from '../store/accounts.js';
import type { Db } from '../store/database.js';
import {
  listIntegratedAccounts,
  supportsLicenses,
  type ListedAccount,
} from '../truto/integrated-accounts.js';
import type { TrutoClient } from '../truto/truto-client.js';
import { TrutoError } from '../truto/truto-error.js';

export interface AccountToSync {
  integratedAccountId: string;
  integration: string | null;
}

export interface FanOutSummary {
  /** Every entry the listing returned, those without an id included. */
  listed: number;
  enqueued: number;
  /** Why the others were left out, e.g. 'not active: needs_reauth' or 'no licenses'. */
  skipped: Record<string, number>;
}

export interface FanOutDependencies {
  truto: TrutoClient;
  db: Db;
  logger: Logger;
  /** Integrations known to list licenses; `null`: ask each active account's capabilities. */
  licenseIntegrations: string[] | null;
  /**
   * True where Truto's webhooks hold and release accounts that need re-authorization: the
   * listing then cannot release one, and a held account is skipped even if listed active.
   */
  keepReauthHolds?: boolean;
  signal?: AbortSignal;
}

/** Capabilities calls in flight at once: enough to overlap latency, few against the budget. */
const CAPABILITY_CONCURRENCY = 4;

type Verdict = { sync: true } | { sync: false; reason: string };

/**
 * Lists every integrated account, records each one, and hands the ones to sync to `enqueue`,
 * a page at a time so that the whole environment is never held in memory. An account is
 * synced when Truto says it is `active` and its integration lists licenses.
 *
 * A failed listing or database write ends the fan-out with that error; the pages before it
 * stay enqueued and recorded.
 */
export async function fanOut(
  deps: FanOutDependencies,
  enqueue: (accounts: AccountToSync[]) => Promise<void>,
): Promise<FanOutSummary> {
  const startedAt = Date.now();
  const summary: FanOutSummary = { listed: 0, enqueued: 0, skipped: {} };
  const skip = (reason: string, count = 1) => {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + count;
  };

  const onWithoutId = (count: number) => {
    summary.listed += count;
    skip('no id', count);
    deps.logger.warn({ count }, 'Integrated accounts listing had entries without an id');
  };
  const pages = listIntegratedAccounts(deps.truto, {}, deps.signal, onWithoutId);

  for await (const page of pages) {
    summary.listed += page.length;
    const decided = await decidePage(deps, page);
    const held = await upsertListedAccounts(
      deps.db,
      decided.map(({ listing }) => listing),
      deps.keepReauthHolds,
    );

    const toSync: AccountToSync[] = [];
    for (const { listing, verdict } of decided) {
      if (verdict.sync && held.has(listing.id)) {
        skip('held: needs re-authorization');
      } else if (verdict.sync) {
        toSync.push({ integratedAccountId: listing.id, integration: listing.integration });
      } else {
        skip(verdict.reason);
      }
    }
    if (toSync.length > 0) await enqueue(toSync);
    summary.enqueued += toSync.length;
  }

  deps.logger.info({ ...summary, durationMs: Date.now() - startedAt }, 'Fan-out finished');
  return summary;
}

interface Decided {
  listing: AccountListing;
  verdict: Verdict;
}

async function decidePage(deps: FanOutDependencies, page: ListedAccount[]): Promise<Decided[]> {
  const allowList = deps.licenseIntegrations;
  if (allowList !== null) {
    return page.map((account) => {
      const supports = account.integration !== null && allowList.includes(account.integration);
      return decide(account, supports);
    });
  }

  return mapWithConcurrency(page, CAPABILITY_CONCURRENCY, async (account) => {
    // Capabilities of an account that cannot be read are not worth a request: left null,
    // the value known from an earlier fan-out stays.
    if (account.status !== 'active') return decide(account, null);
    return decideByCapabilities(deps, account);
  });
}

async function decideByCapabilities(
  deps: FanOutDependencies,
  account: ListedAccount,
): Promise<Decided> {
  try {
    return decide(account, await supportsLicenses(deps.truto, account.id, deps.signal));
  } catch (error) {
    const reason = accountScopedFailure(error);
    // Anything else (our token refused, Truto down after retries) would fail for every
    // account alike: the fan-out stops and its job is retried.
    if (reason === undefined) throw error;
    deps.logger.warn(
      { integratedAccountId: account.id, reason, err: error },
      'Capabilities of a listed account could not be read; not syncing it',
    );
    const listing = { ...account, supportsLicenses: null };
    return { listing, verdict: { sync: false, reason } };
  }
}

/**
 * Failures that concern one account only: it went away since the listing (404), its vendor
 * refuses its credentials, or Truto blocks it. The others are still worth asking.
 */
function accountScopedFailure(error: unknown): string | undefined {
  if (!(error instanceof TrutoError)) return undefined;
  if (error.status === 404) return 'capabilities not found';
  if (error.kind === 'needs-reauth') return 'capabilities: needs re-authorization';
  if (error.kind === 'blocked') return 'capabilities: account blocked';
  return undefined;
}

function decide(account: ListedAccount, supports: boolean | null): Decided {
  const listing = { ...account, supportsLicenses: supports };
  if (account.status !== 'active') {
    return {
      listing,
      verdict: { sync: false, reason: `not active: ${account.status ?? 'no status'}` },
    };
  }
  if (supports !== true) return { listing, verdict: { sync: false, reason: 'no licenses' } };
  return { listing, verdict: { sync: true } };
}

/**
 * Maps with at most `limit` calls running, results in input order. After a failure no new
 * call starts, and the calls in flight are waited for before the first error is thrown, so
 * none of them outlives the fan-out.
 */
async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;

  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await map(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };

  const outcomes = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  const rejection = outcomes.find((outcome) => outcome.status === 'rejected');
  if (rejection !== undefined) throw rejection.reason;
  return results;
}
