import type { JobType } from 'bullmq';
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../store/database.js';
import { integratedAccounts, syncRuns } from '../store/schema.js';
import type { LicenseQueue } from './license-queue.js';

export interface QueueStatus {
  counts: Record<string, number>;
  running: RunningJob[];
  accounts: AccountStatus[];
  recentFailures: FailedRun[];
}

export interface RunningJob {
  jobId: string | undefined;
  name: string;
  integratedAccountId: string | null;
  startedAt: string | null;
  progress: unknown;
}

export interface AccountStatus {
  id: string;
  integration: string | null;
  trutoStatus: string | null;
  lastRunAt: string | null;
  lastRunStatus: string | null;
  lastSuccessAt: string | null;
  consecutiveFailures: number;
  needsReauth: boolean;
}

export interface FailedRun {
  runId: number;
  integratedAccountId: string;
  licenseId: string | null;
  finishedAt: string | null;
  error: string | null;
}

const COUNTED_STATES: JobType[] = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
];

/** Everything `license-sync status` shows, from Redis (the queue) and Postgres (the runs). */
export async function gatherStatus(
  queue: LicenseQueue,
  db: Db,
  limits = { failures: 10 },
): Promise<QueueStatus> {
  const [counts, active, accounts, recentFailures] = await Promise.all([
    queue.getJobCounts(...COUNTED_STATES),
    queue.getActive(),
    listAccounts(db),
    listFailures(db, limits.failures),
  ]);
  const running = active.map((job) => ({
    jobId: job.id,
    name: job.name,
    integratedAccountId: 'integratedAccountId' in job.data ? job.data.integratedAccountId : null,
    startedAt: job.processedOn === undefined ? null : new Date(job.processedOn).toISOString(),
    progress: job.progress,
  }));
  return { counts, running, accounts, recentFailures };
}

async function listAccounts(db: Db): Promise<AccountStatus[]> {
  return db
    .select({
      id: integratedAccounts.id,
      integration: integratedAccounts.integration,
      trutoStatus: integratedAccounts.trutoStatus,
      lastRunAt: integratedAccounts.lastRunAt,
      lastRunStatus: integratedAccounts.lastRunStatus,
      lastSuccessAt: integratedAccounts.lastSuccessAt,
      consecutiveFailures: integratedAccounts.consecutiveFailures,
      needsReauth: integratedAccounts.needsReauth,
    })
    .from(integratedAccounts)
    .orderBy(
      desc(integratedAccounts.needsReauth),
      desc(integratedAccounts.consecutiveFailures),
      sql`${integratedAccounts.lastRunAt} desc nulls last`,
    );
}

async function listFailures(db: Db, limit: number): Promise<FailedRun[]> {
  return db
    .select({
      runId: syncRuns.id,
      integratedAccountId: syncRuns.integratedAccountId,
      licenseId: syncRuns.licenseId,
      finishedAt: syncRuns.finishedAt,
      error: syncRuns.error,
    })
    .from(syncRuns)
    .where(eq(syncRuns.status, 'failed'))
    .orderBy(desc(syncRuns.id))
    .limit(limit);
}
