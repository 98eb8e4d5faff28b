import type { QueryParamRules, QueryParams } from '../config/query-params.js';
import type { SyncTuning } from '../config/config.js';
import type { Logger } from '../logging/logger.js';
import type { Checkpoint } from '../store/checkpoints.js';
import type { Database } from '../store/database.js';
import type { RunCounts, RunTrigger } from '../store/runs.js';
import type { RereadWindow } from '../store/stored-state.js';
import type { PageRequest, PageResult, RecordSink } from '../truto/truto-client.js';

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
  /** Told of every run that ends, e.g. for metrics; nothing is told without one. */
  observer?: RunObserver;
}

/** What a finished run tells its observer. */
export interface EndedRun {
  trigger: RunTrigger;
  status: 'succeeded' | 'failed';
  counts: RunCounts;
  durationMs: number;
}

/** Receives each ended run. Calls must return at once and never throw. */
export interface RunObserver {
  onRunEnded(run: EndedRun): void;
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

/** One run's place in its pass, as the steps of a run share it. */
export interface Pass {
  accountId: string;
  runId: number;
  resumed: boolean;
  passStartedAt: string;
  checkpoint: Checkpoint | null;
  /** Set when the run resumes an interrupted one; see {@link RereadWindow}. */
  reread: RereadWindow | null;
  /** Whether the account had licenses stored when the run began: else none is looked up. */
  hadLicenses: boolean;
  logger: Logger;
  signal: AbortSignal;
}
