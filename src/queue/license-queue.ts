import { randomUUID } from 'node:crypto';
import { Job, Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { QueueConfig } from '../config/config.js';
import type { RunTrigger } from '../store/runs.js';
import { connectRedis, RedisUnreachableError } from './redis-connection.js';
import {
  JobName,
  Priority,
  QUEUE_NAME,
  type JobData,
  type RefreshLicenseData,
  type SyncAccountData,
} from './job-types.js';

export type LicenseQueue = Queue<JobData>;

/** How long finished jobs stay visible: enough to look into last night's failures. */
const KEEP_COMPLETED = { age: 7 * 24 * 3600, count: 10_000 };
const KEEP_FAILED = { age: 30 * 24 * 3600 };

export function openLicenseQueue(redis: Redis, config: QueueConfig): LicenseQueue {
  return new Queue(QUEUE_NAME, {
    connection: redis,
    prefix: config.prefix,
    defaultJobOptions: {
      attempts: config.attempts,
      backoff: { type: 'exponential', delay: config.backoffMs, jitter: 0.5 },
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    },
  });
}

/** How long a command waits for Redis before it says it cannot reach it. */
const REDIS_WAIT_MS = 10_000;

/**
 * Opens the queue on a connection of its own for `work`, then closes both. For commands: a
 * Redis that does not answer within a few seconds is an error naming the URL tried (a worker
 * instead waits for Redis to come back).
 */
export async function withLicenseQueue<T>(
  redisUrl: string,
  config: QueueConfig,
  work: (queue: LicenseQueue) => Promise<T>,
): Promise<T> {
  const redis = connectRedis(redisUrl);
  const queue = openLicenseQueue(redis, config);
  try {
    await waitForRedis(queue, redisUrl);
    return await work(queue);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

async function waitForRedis(queue: LicenseQueue, redisUrl: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new RedisUnreachableError(redisUrl, REDIS_WAIT_MS));
    }, REDIS_WAIT_MS);
  });
  try {
    await Promise.race([queue.waitUntilReady(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface EnqueueResult {
  /** The job that will serve the request. */
  jobId: string;
  /** True when the request joined a job that was already waiting or running. */
  merged: boolean;
}

export interface AccountSyncRequest {
  integratedAccountId: string;
  integration?: string | null;
  full?: boolean;
  trigger: RunTrigger;
  priority?: number;
  /** Sync even an account that is held; see `SyncAccountData.force`. */
  force?: boolean;
}

/**
 * Asks for a sync of one account. BullMQ's deduplication keeps at most one waiting and one
 * running sync per account: asked while one waits, the request joins it (raising its
 * priority, and making it a full sync if this one is); asked while one runs, one more is
 * kept to run after it, however often it is asked.
 */
export async function enqueueAccountSync(
  queue: LicenseQueue,
  request: AccountSyncRequest,
): Promise<EnqueueResult> {
  const data: SyncAccountData = {
    integratedAccountId: request.integratedAccountId,
    integration: request.integration ?? null,
    full: request.full === true,
    trigger: request.trigger,
    ...(request.force === true ? { force: true } : {}),
  };
  const priority = request.priority ?? Priority.onDemand;
  const options = accountSyncOptions(data.integratedAccountId, priority);
  const job = await queue.add(JobName.syncAccount, data, options);
  const merged = job.id !== options.jobId;
  if (merged && job.id !== undefined) await strengthenWaitingJob(queue, job.id, data, priority);
  return { jobId: job.id ?? options.jobId, merged };
}

/** Asks for syncs of many accounts at once, as the nightly fan-out does. */
export async function enqueueAccountSyncs(
  queue: LicenseQueue,
  accounts: { integratedAccountId: string; integration: string | null }[],
  trigger: RunTrigger,
  priority: number,
): Promise<void> {
  if (accounts.length === 0) return;
  await queue.addBulk(
    accounts.map((account) => ({
      name: JobName.syncAccount,
      data: { ...account, full: false, trigger },
      opts: accountSyncOptions(account.integratedAccountId, priority),
    })),
  );
}

/** Asks for the fan-out over every account; one waits at a time. */
export async function enqueueSyncAll(
  queue: LicenseQueue,
  trigger: RunTrigger,
): Promise<EnqueueResult> {
  const jobId = randomUUID();
  const job = await queue.add(
    JobName.syncAll,
    { trigger },
    { jobId, priority: Priority.onDemand, deduplication: { id: 'sync-all' } },
  );
  return { jobId: job.id ?? jobId, merged: job.id !== jobId };
}

/** Asks for one license to be read again; repeated requests for it are merged like syncs. */
export async function enqueueLicenseRefresh(
  queue: LicenseQueue,
  data: RefreshLicenseData,
): Promise<EnqueueResult> {
  const jobId = randomUUID();
  const id = `refresh:${data.integratedAccountId}:${data.licenseId}`;
  const job = await queue.add(JobName.refreshLicense, data, {
    jobId,
    priority: Priority.onDemand,
    deduplication: { id, keepLastIfActive: true },
  });
  return { jobId: job.id ?? jobId, merged: job.id !== jobId };
}

function accountSyncOptions(accountId: string, priority: number): JobsOptions & { jobId: string } {
  return {
    jobId: randomUUID(),
    priority,
    deduplication: { id: `sync:${accountId}`, keepLastIfActive: true },
  };
}

/** A request that joined a waiting job must not be served by less than it asked for. */
async function strengthenWaitingJob(
  queue: LicenseQueue,
  jobId: string,
  data: SyncAccountData,
  priority: number,
): Promise<void> {
  const job = await Job.fromId<SyncAccountData>(queue, jobId);
  if (job === undefined) return;
  const state = await job.getState();
  if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return;
  const stronger = {
    ...job.data,
    full: job.data.full || data.full,
    ...(data.force === true ? { force: true } : {}),
  };
  if (stronger.full !== job.data.full || stronger.force !== job.data.force) {
    await job.updateData(stronger);
  }
  if (priority < job.priority) await job.changePriority({ priority });
}
