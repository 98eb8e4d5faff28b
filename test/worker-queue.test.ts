import { describe, expect, it } from 'vitest';
import {
  enqueueAccountSync,
  enqueueLicenseRefresh,
  enqueueSyncAll,
} from '../src/queue/license-queue.js';
import { NIGHTLY_SCHEDULER_ID } from '../src/queue/schedule.js';
import { eventually, testQueue, useWorkerTestbed } from './support/worker-harness.js';

const bed = useWorkerTestbed('worker-queue-token');
const { environment, start } = bed;

async function runsOf(accountId: string) {
  const result = await bed.database.pool.query<{
    id: string;
    status: string;
    resumed: boolean;
    license_id: string | null;
    error: string | null;
    started_at: Date;
    finished_at: Date | null;
  }>('select * from sync_runs where integrated_account_id = $1 order by id', [accountId]);
  return result.rows;
}

describe('the nightly schedule', () => {
  it('is registered once when two workers start at the same moment', async () => {
    const env = environment('schedule');
    await Promise.all([start(env), start(env)]);
    const { queue, close } = testQueue(env);

    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([
      [NIGHTLY_SCHEDULER_ID, '0 2 * * *', 'UTC'],
    ]);
    expect(await queue.getDelayedCount()).toBe(1);
    await close();
  });

  it('takes a changed setting at the next start, and goes away when turned off', async () => {
    const env = environment('reschedule');
    await (await start(env)).stop();
    await start({ ...env, SCHEDULE_CRON: '30 4 * * 1-5', SCHEDULE_TIMEZONE: 'Europe/Berlin' });
    const { queue, close } = testQueue(env);

    const [scheduler] = await queue.getJobSchedulers();
    expect([scheduler?.pattern, scheduler?.tz]).toEqual(['30 4 * * 1-5', 'Europe/Berlin']);
    expect(await queue.getDelayedCount()).toBe(1);

    await start({ ...env, SCHEDULE_ENABLED: 'false' });
    expect(await queue.getJobSchedulers()).toEqual([]);
    await close();
  });
});

describe('the fan-out', () => {
  it('syncs every active account that lists licenses, and records the others', async () => {
    const accounts = ['fan-a', 'fan-b', 'fan-c', 'fan-off', 'fan-reauth'];
    bed.standIn.setAccount({ id: 'fan-a', licenses: 30, integration: 'zoom' });
    bed.standIn.setAccount({ id: 'fan-b', licenses: 30, integration: 'microsoft365' });
    bed.standIn.setAccount({ id: 'fan-c', licenses: 30, integration: 'salesforce' });
    bed.standIn.setAccount({ id: 'fan-off', licenses: 30, supportsLicenses: false });
    bed.standIn.setAccount({ id: 'fan-reauth', licenses: 30, status: 'needs_reauth' });
    const env = environment('fan-out');
    await start(env);
    const { queue, close } = testQueue(env);

    await enqueueSyncAll(queue, 'on-demand');
    await eventually(
      async () => (await queue.getCompletedCount()) === 4,
      'the fan-out and 3 syncs',
    );

    for (const id of ['fan-a', 'fan-b', 'fan-c']) expect(await runsOf(id)).toHaveLength(1);
    for (const id of ['fan-off', 'fan-reauth']) expect(await runsOf(id)).toHaveLength(0);
    const known = await bed.database.pool.query(
      'select id, integration, truto_status, supports_licenses, needs_reauth from integrated_accounts where id = any($1) order by id',
      [accounts],
    );
    expect(known.rows).toContainEqual(
      expect.objectContaining({
        id: 'fan-reauth',
        truto_status: 'needs_reauth',
        needs_reauth: true,
      }),
    );
    expect(known.rows).toContainEqual(
      expect.objectContaining({ id: 'fan-off', supports_licenses: false }),
    );
    expect(known.rows).toHaveLength(5);
    for (const id of accounts) bed.standIn.removeAccount(id);
    await close();
  });
});

describe('asking again', () => {
  it('queues one sync however often it is asked while none runs', async () => {
    const env = environment('dedup-idle');
    const { queue, close } = testQueue(env);
    const results = [];
    for (let i = 0; i < 10; i += 1) {
      results.push(
        await enqueueAccountSync(queue, { integratedAccountId: 'idle-1', trigger: 'on-demand' }),
      );
    }
    expect(results.filter((r) => !r.merged)).toHaveLength(1);
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);
    expect(await queue.getJobCountByTypes('waiting', 'prioritized')).toBe(1);
    await close();
  });

  it('makes a waiting sync full, and more urgent, when a request asks for that', async () => {
    const env = environment('dedup-strengthen');
    const { queue, close } = testQueue(env);
    const first = await enqueueAccountSync(queue, {
      integratedAccountId: 'idle-2',
      trigger: 'schedule',
      priority: 10,
    });
    await enqueueAccountSync(queue, {
      integratedAccountId: 'idle-2',
      trigger: 'on-demand',
      full: true,
    });
    const job = await queue.getJob(first.jobId);
    expect(job?.data).toMatchObject({ full: true });
    expect(job?.priority).toBe(1);
    await close();
  });

  it('keeps one more sync for an account that is syncing, and runs it after', async () => {
    bed.standIn.setAccount({ id: 'busy-1', licenses: 200 });
    bed.standIn.injectFault({
      kind: 'trickle',
      bytesPerChunk: 4096,
      delayMs: 20,
      accountId: 'busy-1',
      times: 4,
    });
    const env = environment('dedup-active', { WORKER_CONCURRENCY: '4' });
    await start(env);
    const { queue, close } = testQueue(env);

    await enqueueAccountSync(queue, { integratedAccountId: 'busy-1', trigger: 'on-demand' });
    await eventually(async () => (await queue.getActiveCount()) === 1, 'the first sync to run');
    for (let i = 0; i < 10; i += 1) {
      await enqueueAccountSync(queue, { integratedAccountId: 'busy-1', trigger: 'on-demand' });
    }
    await eventually(async () => (await queue.getCompletedCount()) === 2, 'the follow-up sync');

    const runs = await runsOf('busy-1');
    expect(runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(runs[1]?.started_at.getTime()).toBeGreaterThanOrEqual(
      runs[0]?.finished_at?.getTime() ?? 0,
    );
    await close();
  });
});

describe('priorities', () => {
  it('run what a person asked for before the nightly work', async () => {
    for (const id of ['night-1', 'night-2', 'asked-1']) bed.standIn.setAccount({ id, licenses: 5 });
    const env = environment('priority', { WORKER_CONCURRENCY: '1' });
    const { queue, close } = testQueue(env);
    for (const id of ['night-1', 'night-2']) {
      await enqueueAccountSync(queue, {
        integratedAccountId: id,
        trigger: 'schedule',
        priority: 10,
      });
    }
    await enqueueAccountSync(queue, { integratedAccountId: 'asked-1', trigger: 'on-demand' });

    await start(env);
    await eventually(async () => (await queue.getCompletedCount()) === 3, 'the three syncs');
    const order = await bed.database.pool.query<{ id: string }>(
      `select integrated_account_id as id from sync_runs
       where integrated_account_id = any($1) order by started_at`,
      [['night-1', 'night-2', 'asked-1']],
    );
    expect(order.rows[0]?.id).toBe('asked-1');
    await close();
  });
});

describe('refreshing one license', () => {
  it('stores the license read on its own, as a run naming it', async () => {
    bed.standIn.setAccount({ id: 'refresh-1', licenses: 5 });
    const env = environment('refresh');
    await start(env);
    const { queue, close } = testQueue(env);

    const data = { integratedAccountId: 'refresh-1', licenseId: 'lic-2', integration: null };
    await enqueueLicenseRefresh(queue, { ...data, trigger: 'on-demand' });
    await eventually(async () => (await queue.getCompletedCount()) === 1, 'the refresh');

    const runs = await runsOf('refresh-1');
    expect(runs).toEqual([expect.objectContaining({ status: 'succeeded', license_id: 'lic-2' })]);
    const stored = await bed.database.pool.query(
      `select id from licenses where integrated_account_id = 'refresh-1'`,
    );
    expect(stored.rows).toEqual([{ id: 'lic-2' }]);
    await close();
  });

  it('fails with the reason when Truto does not know the license, deleting nothing', async () => {
    bed.standIn.setAccount({ id: 'refresh-2', licenses: 5 });
    const env = environment('refresh-404');
    await start(env);
    const { queue, close } = testQueue(env);

    const data = { integratedAccountId: 'refresh-2', licenseId: 'gone', integration: null };
    const { jobId } = await enqueueLicenseRefresh(queue, { ...data, trigger: 'on-demand' });
    await eventually(async () => (await queue.getFailedCount()) === 1, 'the refresh to fail');

    const job = await queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/no license gone .*404/);
    expect((await runsOf('refresh-2'))[0]).toMatchObject({ status: 'failed', license_id: 'gone' });
    await close();
  });
});
