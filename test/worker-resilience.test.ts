import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { enqueueAccountSync, enqueueSyncAll } from '../src/queue/license-queue.js';
import { dumpAllTables } from './support/test-database.js';
import {
  dumpRedisPrefix,
  eventually,
  testQueue,
  useWorkerTestbed,
} from './support/worker-harness.js';

const TOKEN = 'worker-secret-token-4d1f';
const CLI = fileURLToPath(new URL('../bin/license-sync.js', import.meta.url));

const bed = useWorkerTestbed(TOKEN);
const { environment, start } = bed;

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  return (await bed.database.pool.query(text, values)).rows as T[];
}

/** An account of 400 licenses whose pages trickle in, so that a sync is caught midway. */
function slowAccount(id: string): void {
  bed.standIn.setAccount({ id, licenses: 400 });
  const trickle = { kind: 'trickle', bytesPerChunk: 4096, delayMs: 30 } as const;
  bed.standIn.injectFault({ ...trickle, accountId: id, times: Infinity });
}

/** A worker in a process of its own, as in production, and a promise of its exit code. */
function spawnWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: 'ignore',
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, exited };
}

async function untilCheckpointed(accountId: string, pages: number): Promise<void> {
  await eventually(async () => {
    const [row] = await query<{ pages: number }>(
      'select pages_done as pages from sync_checkpoints where integrated_account_id = $1',
      [accountId],
    );
    return (row?.pages ?? 0) >= pages;
  }, `${pages} pages of ${accountId} to be checkpointed`);
}

async function runsOf(accountId: string) {
  return query<{ status: string; resumed: boolean; error: string | null }>(
    'select status, resumed, error from sync_runs where integrated_account_id = $1 order by id',
    [accountId],
  );
}

describe('job retries', () => {
  it('resume a failed sync from its checkpoint', async () => {
    bed.standIn.setAccount({ id: 'retry-1', licenses: 150 });
    bed.standIn.injectFault({
      kind: 'status',
      status: 502,
      accountId: 'retry-1',
      afterRequests: 2,
      times: 3,
    });
    const env = environment('retry', { TRUTO_RETRIES: '0' });
    await start(env);
    const { queue, close } = testQueue(env);

    const { jobId } = await enqueueAccountSync(queue, {
      integratedAccountId: 'retry-1',
      trigger: 'on-demand',
    });
    await eventually(async () => (await queue.getCompletedCount()) === 1, 'the sync to succeed');

    const runs = await query<{ status: string; resumed: boolean; pages: number }>(
      `select status, resumed, pages from sync_runs where integrated_account_id = 'retry-1' order by id`,
    );
    // Each run counts the pages it read itself: two, none three times, then the last one.
    expect(runs).toEqual([
      { status: 'failed', resumed: false, pages: 2 },
      { status: 'failed', resumed: true, pages: 0 },
      { status: 'failed', resumed: true, pages: 0 },
      { status: 'succeeded', resumed: true, pages: 1 },
    ]);
    expect((await queue.getJob(jobId))?.attemptsMade).toBe(4);
    const [stored] = await query<{ n: number }>(
      `select count(*)::int as n from licenses where integrated_account_id = 'retry-1'`,
    );
    expect(stored?.n).toBe(150);
    await close();
  });

  it('fail at once when the account needs re-authorization, and mark it so', async () => {
    bed.standIn.setAccount({ id: 'reauth-1', licenses: 10 });
    bed.standIn.injectFault({
      kind: 'vendor-unauthorized',
      accountId: 'reauth-1',
      times: Infinity,
    });
    const env = environment('reauth');
    await start(env);
    const { queue, close } = testQueue(env);

    const { jobId } = await enqueueAccountSync(queue, {
      integratedAccountId: 'reauth-1',
      trigger: 'on-demand',
    });
    await eventually(async () => (await queue.getFailedCount()) === 1, 'the job to fail');

    expect((await queue.getJob(jobId))?.attemptsMade).toBe(1);
    const [account] = await query(
      `select needs_reauth, consecutive_failures, last_run_status from integrated_accounts where id = 'reauth-1'`,
    );
    expect(account).toEqual({
      needs_reauth: true,
      consecutive_failures: 1,
      last_run_status: 'failed',
    });
    await close();
  });

  it('wait out a long 429 by delaying the job instead of failing it', async () => {
    bed.standIn.setAccount({ id: 'slow-down-1', licenses: 10 });
    bed.standIn.injectFault({ kind: 'rate-limit', retryAfterSeconds: 2, accountId: 'slow-down-1' });
    const env = environment('long-429', { TRUTO_MAX_RETRY_AFTER_MS: '500' });
    await start(env);
    const { queue, close } = testQueue(env);

    const { jobId } = await enqueueAccountSync(queue, {
      integratedAccountId: 'slow-down-1',
      trigger: 'on-demand',
    });
    await eventually(async () => (await queue.getDelayedCount()) >= 2, 'the job to be delayed');
    await eventually(async () => (await queue.getJob(jobId))?.finishedOn, 'the job to finish');

    const job = await queue.getJob(jobId);
    expect(await job?.getState()).toBe('completed');
    // Only the attempt that completed counts; the wait for the 429 used none up.
    expect(job?.attemptsMade).toBe(1);
    await close();
  });
});

describe('a worker stopped with SIGTERM', () => {
  it('exits 0 after its sync steps back, and another worker finishes that sync', async () => {
    slowAccount('term-1');
    const env = environment('sigterm', { TRUTO_PAGE_SIZE: '20', LOG_LEVEL: 'warn' });
    const { child, exited } = spawnWorker(env);
    const { queue, close } = testQueue(env);

    await enqueueAccountSync(queue, { integratedAccountId: 'term-1', trigger: 'on-demand' });
    await untilCheckpointed('term-1', 2);
    const stoppedAt = Date.now();
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5_000 + 3_000);

    bed.standIn.clearFaults();
    await start(env);
    await eventually(async () => (await queue.getCompletedCount()) === 1, 'the sync to finish');
    expect(await runsOf('term-1')).toEqual([
      {
        status: 'failed',
        resumed: false,
        error: expect.stringMatching(/interrupted: the worker is shutting down/),
      },
      { status: 'succeeded', resumed: true, error: null },
    ]);
    const [stored] = await query<{ n: number }>(
      `select count(*)::int as n from licenses where integrated_account_id = 'term-1' and deleted_at is null`,
    );
    expect(stored?.n).toBe(400);
    await close();
  });
});

describe('a worker killed with SIGKILL', () => {
  it('leaves its job stalled, and another worker takes it up from the checkpoint', async () => {
    slowAccount('kill9-1');
    const env = environment('sigkill', { TRUTO_PAGE_SIZE: '20', JOB_LOCK_DURATION_MS: '5000' });
    const { child, exited } = spawnWorker(env);
    const { queue, close } = testQueue(env);

    await enqueueAccountSync(queue, { integratedAccountId: 'kill9-1', trigger: 'on-demand' });
    await untilCheckpointed('kill9-1', 2);
    child.kill('SIGKILL');
    await exited;

    bed.standIn.clearFaults();
    await start(env);
    await eventually(
      async () => (await queue.getCompletedCount()) === 1,
      'the stalled job',
      30_000,
    );
    expect(await runsOf('kill9-1')).toEqual([
      { status: 'failed', resumed: false, error: expect.stringMatching(/^interrupted/) },
      { status: 'succeeded', resumed: true, error: null },
    ]);
    await close();
  });
});

describe('two workers on one queue', () => {
  it('sync each account exactly once, never two runs of an account at a time', async () => {
    const accounts = Array.from({ length: 8 }, (_, i) => `pair-${i}`);
    for (const id of accounts) bed.standIn.setAccount({ id, licenses: 60 });
    const env = environment('pair', { WORKER_CONCURRENCY: '3', LICENSE_INTEGRATIONS: 'zoom' });
    await Promise.all([start(env), start(env)]);
    const { queue, close } = testQueue(env);

    await enqueueSyncAll(queue, 'on-demand');
    for (const id of accounts)
      await enqueueAccountSync(queue, { integratedAccountId: id, trigger: 'on-demand' });
    await eventually(async () => {
      const counts = await queue.getJobCounts('waiting', 'prioritized', 'active');
      return Object.values(counts).every((n) => n === 0) && (await queue.getDelayedCount()) <= 1;
    }, 'the queue to drain (but for the nightly job)');

    const runs = await query<{ account: string; started: Date; finished: Date }>(
      `select integrated_account_id as account, started_at as started, finished_at as finished
       from sync_runs where integrated_account_id = any($1) order by started_at`,
      [accounts],
    );
    for (const id of accounts) {
      const own = runs.filter((run) => run.account === id);
      expect(own.length, id).toBeGreaterThanOrEqual(1);
      expect(own.length, id).toBeLessThanOrEqual(2);
      const [first, second] = own;
      if (first && second) expect(second.started >= first.finished, id).toBe(true);
    }
    for (const id of accounts) bed.standIn.removeAccount(id);
    await close();
  });

  it('keep together to the shared rate limit of the API token', async () => {
    const accounts = Array.from({ length: 4 }, (_, i) => `limit-${i}`);
    for (const id of accounts) bed.standIn.setAccount({ id, licenses: 100 });
    const env = environment('limits', {
      WORKER_CONCURRENCY: '4',
      TRUTO_PAGE_SIZE: '20',
      RATE_LIMIT_PER_TOKEN: '8',
      RATE_LIMIT_WINDOW_MS: '1000',
    });
    await Promise.all([start(env), start(env)]);
    const { queue, close } = testQueue(env);
    const since = Date.now();

    for (const id of accounts)
      await enqueueAccountSync(queue, { integratedAccountId: id, trigger: 'on-demand' });
    await eventually(
      async () => (await queue.getCompletedCount()) === accounts.length,
      'all syncs',
      30_000,
    );

    const times = bed.standIn.requests
      .filter((r) => r.at >= since && r.accountId?.startsWith('limit-'))
      .map((r) => r.at)
      .sort((a, b) => a - b);
    expect(times).toHaveLength(accounts.length * 5);
    expect(busiestWindow(times, 1000)).toBeLessThanOrEqual(8);
    await close();
  });
});

describe('secrets', () => {
  it('never puts the API token into Redis or Postgres', async () => {
    bed.standIn.setAccount({ id: 'secret-1', licenses: 20 });
    const env = environment('secrets');
    await start(env);
    const { queue, close } = testQueue(env);
    await enqueueAccountSync(queue, { integratedAccountId: 'secret-1', trigger: 'on-demand' });
    await enqueueSyncAll(queue, 'on-demand');
    await eventually(async () => (await queue.getCompletedCount()) >= 2, 'the jobs');

    const redisText = await dumpRedisPrefix(env.QUEUE_PREFIX ?? '');
    expect(redisText.length).toBeGreaterThan(0);
    expect(redisText).not.toContain(TOKEN);
    expect(await dumpAllTables(bed.database)).not.toContain(TOKEN);
    await close();
  });
});

/** The most requests that fell within any stretch of `windowMs`. */
function busiestWindow(sortedTimes: number[], windowMs: number): number {
  let most = 0;
  let first = 0;
  for (let last = 0; last < sortedTimes.length; last += 1) {
    while ((sortedTimes[last] ?? 0) - (sortedTimes[first] ?? 0) >= windowMs) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
