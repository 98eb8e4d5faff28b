import { TrutoClient, type TrutoClientOptions } from '../../src/truto/truto-client.js';
import type { SyncDependencies } from '../../src/sync/sync-account.js';
import type { SyncTuning } from '../../src/config/config.js';
import type { QueryParamRules } from '../../src/config/query-params.js';
import type { Database } from '../../src/store/database.js';
import type { TrutoStandIn } from '../../src/stand-in/truto-stand-in.js';
import { captureLogger } from './capture-logger.js';

export interface HarnessOptions {
  client?: Partial<TrutoClientOptions>;
  tuning?: Partial<SyncTuning>;
  queryParams?: QueryParamRules;
}

/** Sync dependencies wired to a stand-in, with fast retries and logs kept in memory. */
export function syncHarness(
  database: Database,
  standIn: TrutoStandIn,
  options: HarnessOptions = {},
) {
  const { logger, lines } = captureLogger();
  const truto = new TrutoClient({
    apiUrl: standIn.url,
    apiToken: standIn.token,
    responseFormat: 'stream',
    pageSize: 50,
    connectTimeoutMs: 2_000,
    headersTimeoutMs: 2_000,
    bodyIdleTimeoutMs: 2_000,
    retries: 4,
    retryMinDelayMs: 5,
    retryMaxDelayMs: 20,
    maxRetryAfterMs: 3_000,
    recordLimits: { maxChars: 100_000, maxDepth: 32 },
    logger,
    ...options.client,
  });
  const deps: SyncDependencies = {
    database,
    source: truto,
    logger,
    tuning: { batchSize: 40, maxRecordChars: 100_000, maxRecordDepth: 32, ...options.tuning },
    queryParams: options.queryParams ?? { integrations: {}, accounts: {} },
  };
  return { deps, truto, logs: lines };
}
