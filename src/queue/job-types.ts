import type { RunTrigger } from '../store/runs.js';

/** One queue carries every kind of job, so that priorities order them all. */
export const QUEUE_NAME = 'licenses';

export const JobName = {
  syncAccount: 'sync-account',
  syncAll: 'sync-all',
  refreshLicense: 'refresh-license',
} as const;

export type JobName = (typeof JobName)[keyof typeof JobName];

export interface SyncAccountData {
  integratedAccountId: string;
  integration: string | null;
  full: boolean;
  trigger: RunTrigger;
  /** Runs even when the account is held (needs re-authorization, deleted): asked by hand. */
  force?: boolean;
}

export interface SyncAllData {
  trigger: RunTrigger;
}

export interface RefreshLicenseData {
  integratedAccountId: string;
  licenseId: string;
  integration: string | null;
  trigger: RunTrigger;
}

export type JobData = SyncAccountData | SyncAllData | RefreshLicenseData;

/** BullMQ runs lower numbers first: what a person asked for goes before the nightly work. */
export const Priority = { onDemand: 1, scheduled: 10 } as const;

/** What a finished job returns, as BullMQ stores it. */
export interface JobOutcome {
  runId?: number;
  status: 'succeeded' | 'failed' | 'skipped';
  /** Why a job was skipped. */
  reason?: string;
  counts?: Record<string, number>;
  enqueued?: number;
}
