import { requireApiToken, type Config } from '../config/config.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { openDatabase, type Database } from '../store/database.js';
import type { NewLicenseLoad } from '../store/license-writes.js';
import { TrutoClient, type RequestGate, type RequestObserver } from '../truto/truto-client.js';
import type { SyncDependencies } from '../sync/sync-account.js';
import type { RunObserver } from '../sync/sync-types.js';

/** The long-lived pieces a command or a worker needs, built once from the configuration. */
export interface Runtime {
  config: Config;
  logger: Logger;
  database: Database;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** How the database loads licenses not stored yet; `copy` unless the server lacks COPY. */
  newLicenses?: NewLicenseLoad;
}

export function openRuntime(config: Config, options: RuntimeOptions = {}): Runtime {
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = openDatabase({
    url: config.databaseUrl,
    schema: config.databaseSchema,
    maxConnections: poolSize(config),
    newLicenses: options.newLicenses,
  });
  return { config, logger, database, close: () => database.close() };
}

/**
 * Each running sync holds two connections, its account lock and its writes, so the pool must
 * hold two per job a worker runs at once, and a few for everything else.
 */
export function poolSize(config: Config): number {
  return 2 * config.queue.concurrency + 2;
}

/** What a sync needs; fails before any work when no API token is configured. */
export function syncDependencies(
  runtime: Runtime,
  gate?: RequestGate,
  observer?: RequestObserver & RunObserver,
): SyncDependencies & { truto: TrutoClient } {
  const { config, logger, database } = runtime;
  const truto = new TrutoClient({
    ...config.truto,
    apiToken: requireApiToken(config),
    recordLimits: { maxChars: config.sync.maxRecordChars, maxDepth: config.sync.maxRecordDepth },
    logger,
    gate,
    observer,
  });
  return {
    database,
    source: truto,
    truto,
    logger,
    tuning: config.sync,
    queryParams: config.truto.queryParams,
    observer,
  };
}
