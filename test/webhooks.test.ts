import { describe, expect, it } from 'vitest';
import type { JobOutcome } from '../src/queue/job-types.js';
import {
  enqueueAccountSync,
  enqueueSyncAll,
  type LicenseQueue,
} from '../src/queue/license-queue.js';
import { withAccountLock } from '../src/store/account-lock.js';
import { captureLogger } from './support/capture-logger.js';
import { dumpAllTables } from './support/test-database.js';
import { deliver, signature, trutoEvent } from './support/webhook-client.js';
import {
  dumpRedisPrefix,
  eventually,
  testQueue,
  useWorkerTestbed,
} from './support/worker-harness.js';

const API_TOKEN = 'webhooks-api-token-7731';
const SECRET = 'webhook-secret-0d9f31c2a7';
const ADMIN = { ADMIN_USERNAME: 'operator', ADMIN_PASSWORD: 'admin-password-55e1' };

const bed = useWorkerTestbed(API_TOKEN);

/** A worker serving webhooks, and a queue handle on its prefix. */
async function startWithWebhooks(name: string, logger = captureLogger('debug').logger) {
  const env = bed.environment(name, { TRUTO_WEBHOOK_SECRET: SECRET, ...ADMIN });
  const worker = await bed.start(env, logger);
  const handle = testQueue(env);
  return { url: worker.httpUrl ?? '', env, ...handle };
}

async function runsOf(accountId: string) {
  const { rows } = await bed.database.pool.query<{ status: string; trigger: string }>(
    'select status, trigger from sync_runs where integrated_account_id = $1 order by id',
    [accountId],
  );
  return rows;
}

async function accountRow(accountId: string) {
  const { rows } = await bed.database.pool.query<{
    needs_reauth: boolean;
    truto_status: string | null;
  }>('select needs_reauth, truto_status from integrated_accounts where id = $1', [accountId]);
  return rows[0];
}

/** What a job returned, once it has completed. */
async function completedJob(queue: LicenseQueue, jobId: string): Promise<JobOutcome> {
  return eventually(async () => {
    // The state first: a job read while it runs has no return value yet.
    if ((await queue.getJobState(jobId)) !== 'completed') return undefined;
    return (await queue.getJob(jobId))?.returnvalue as JobOutcome;
  }, `job ${jobId} to complete`);
}

async function finishedRuns(accountId: string, count: number) {
  return eventually(
    async () => {
      const runs = await runsOf(accountId);
      const done = runs.filter((run) => run.status !== 'running');
      return done.length >= count ? done : undefined;
    },
    `${String(count)} finished runs of ${accountId}`,
  );
}

describe('webhook events that queue a sync', () => {
  it.each(['created', 'active'])('syncs the account on %s', async (name) => {
    const accountId = `on-${name}`;
    bed.standIn.setAccount({ id: accountId, licenses: 5 });
    const { url, close } = await startWithWebhooks(`event-${name}`);

    const response = await deliver(url, trutoEvent(name, accountId), SECRET);
    expect(response).toEqual({ status: 200, text: '{"status":"sync queued"}' });
    expect(await finishedRuns(accountId, 1)).toEqual([{ status: 'succeeded', trigger: 'webhook' }]);
    await close();
  });

  it('releases the re-authorization hold on reactivated, and syncs the account', async () => {
    bed.standIn.setAccount({ id: 'comes-back', licenses: 5 });
    const { url, close } = await startWithWebhooks('reactivated');
    await deliver(url, trutoEvent('authentication_error', 'comes-back'), SECRET);
    expect(await accountRow('comes-back')).toEqual({
      needs_reauth: true,
      truto_status: 'needs_reauth',
    });

    const response = await deliver(url, trutoEvent('reactivated', 'comes-back'), SECRET);
    expect(response.status).toBe(200);
    expect(await finishedRuns('comes-back', 1)).toEqual([
      { status: 'succeeded', trigger: 'webhook' },
    ]);
    expect(await accountRow('comes-back')).toEqual({ needs_reauth: false, truto_status: 'active' });
    await close();
  });
});

describe('an account held by authentication_error', () => {
  it('is skipped by its queued syncs and by the fan-out until forced', async () => {
    bed.standIn.setAccount({ id: 'held', licenses: 5 });
    bed.standIn.setAccount({ id: 'not-held', licenses: 5 });
    const { url, queue, close } = await startWithWebhooks('held');

    const response = await deliver(url, trutoEvent('authentication_error', 'held'), SECRET);
    expect(response).toEqual({ status: 200, text: '{"status":"held"}' });

    const queued = await enqueueAccountSync(queue, {
      integratedAccountId: 'held',
      trigger: 'webhook',
    });
    const skipped = await completedJob(queue, queued.jobId);
    expect(skipped).toEqual({ status: 'skipped', reason: 'needs re-authorization' });

    // The stand-in still lists the account as active, as a listing taken before the event would.
    const fanOut = await enqueueSyncAll(queue, 'schedule');
    expect(await completedJob(queue, fanOut.jobId)).toMatchObject({ status: 'succeeded' });
    expect(await finishedRuns('not-held', 1)).toHaveLength(1);
    const jobs = await queue.getJobs(['completed', 'waiting', 'prioritized', 'active']);
    const heldJobs = jobs.filter(
      (job) => 'integratedAccountId' in job.data && job.data.integratedAccountId === 'held',
    );
    expect(heldJobs).toHaveLength(1);
    expect(await runsOf('held')).toEqual([]);
    expect(await accountRow('held')).toMatchObject({ needs_reauth: true });

    await enqueueAccountSync(queue, {
      integratedAccountId: 'held',
      trigger: 'on-demand',
      force: true,
    });
    expect(await finishedRuns('held', 1)).toEqual([{ status: 'succeeded', trigger: 'on-demand' }]);
    await close();
  });
});

describe('a sync asked for by hand', () => {
  it('makes a waiting sync of the account it joins run even if the account is held', async () => {
    const { queue, close } = testQueue(bed.environment('force-joins'));
    const request = { integratedAccountId: 'joined', trigger: 'webhook' as const };

    const first = await enqueueAccountSync(queue, request);
    const joined = await enqueueAccountSync(queue, { ...request, force: true });
    expect(joined).toEqual({ jobId: first.jobId, merged: true });
    expect((await queue.getJob(first.jobId))?.data).toMatchObject({ force: true });
    await close();
  });
});

describe('the deleted event', () => {
  it('marks every license of the account deleted and skips its queued syncs', async () => {
    bed.standIn.setAccount({ id: 'gone', licenses: 7 });
    const { url, queue, close } = await startWithWebhooks('deleted');
    await enqueueAccountSync(queue, { integratedAccountId: 'gone', trigger: 'on-demand' });
    await finishedRuns('gone', 1);

    const response = await deliver(url, trutoEvent('deleted', 'gone'), SECRET);
    expect(response).toEqual({ status: 200, text: '{"status":"deleted"}' });
    const { rows } = await bed.database.pool.query<{ deleted: string; total: string }>(
      `select count(*) filter (where deleted_at is not null) as deleted, count(*) as total
       from licenses where integrated_account_id = 'gone'`,
    );
    expect(rows[0]).toEqual({ deleted: '7', total: '7' });

    const queued = await enqueueAccountSync(queue, {
      integratedAccountId: 'gone',
      trigger: 'webhook',
    });
    const outcome = await completedJob(queue, queued.jobId);
    expect(outcome).toEqual({ status: 'skipped', reason: 'deleted in Truto' });
    expect(await runsOf('gone')).toHaveLength(1);
    await close();
  });
});

describe('a deleted event while the account syncs', () => {
  it('answers 503 and acts when Truto delivers it again after the sync', async () => {
    bed.standIn.setAccount({ id: 'busy-gone', licenses: 4 });
    const { url, queue, close } = await startWithWebhooks('busy-deleted');
    await enqueueAccountSync(queue, { integratedAccountId: 'busy-gone', trigger: 'on-demand' });
    await finishedRuns('busy-gone', 1);
    const event = trutoEvent('deleted', 'busy-gone');

    const whileSyncing = await withAccountLock(bed.database, 'busy-gone', () =>
      deliver(url, event, SECRET),
    );
    expect(whileSyncing.status).toBe(503);
    const { rows } = await bed.database.pool.query(
      "select id from licenses where integrated_account_id = 'busy-gone' and deleted_at is null",
    );
    expect(rows).toHaveLength(4);

    expect(await deliver(url, event, SECRET)).toEqual({
      status: 200,
      text: '{"status":"deleted"}',
    });
    const left = await bed.database.pool.query(
      "select id from licenses where integrated_account_id = 'busy-gone' and deleted_at is null",
    );
    expect(left.rows).toEqual([]);
    await close();
  });
});

describe('deliveries the endpoint refuses or ignores', () => {
  it('acknowledges a repeated delivery with 200 without acting twice', async () => {
    bed.standIn.setAccount({ id: 'twice', licenses: 3 });
    const { url, close } = await startWithWebhooks('repeat');
    const event = trutoEvent('active', 'twice');

    expect((await deliver(url, event, SECRET)).status).toBe(200);
    await finishedRuns('twice', 1);
    expect(await deliver(url, event, SECRET)).toEqual({
      status: 200,
      text: '{"status":"duplicate"}',
    });
    expect(
      await deliver(url, { ...event, event: undefined, event_type: event.event }, SECRET),
    ).toEqual({ status: 200, text: '{"status":"duplicate"}' });
    expect(await runsOf('twice')).toHaveLength(1);
    await close();
  });

  it('refuses bad, stale, future, malformed and oversized deliveries and acts on none', async () => {
    const { url, queue, close } = await startWithWebhooks('refused');
    const event = (createdAt?: Date) => trutoEvent('active', 'refused', createdAt);
    const minutes = (n: number) => new Date(Date.now() + n * 60_000);
    const signedText = (text: string) => deliver(url, text, SECRET, signature(text, SECRET));
    const huge = JSON.stringify({ ...event(), padding: 'x'.repeat(100 * 1024) });

    const statuses = {
      unsigned: (await deliver(url, event(), SECRET, '')).status,
      wrongSecret: (await deliver(url, event(), 'another-secret-that-is-long')).status,
      badHeader: (await deliver(url, event(), SECRET, 'format=md5,v=00')).status,
      stale: (await deliver(url, event(minutes(-6)), SECRET)).status,
      future: (await deliver(url, event(minutes(6)), SECRET)).status,
      notJson: (await signedText('{"id":')).status,
      noEvent: (await signedText(JSON.stringify({ ...event(), event: undefined }))).status,
      badTime: (await signedText(JSON.stringify({ ...event(), created_at: 'yesterday' }))).status,
      oversized: (await signedText(huge)).status,
    };
    expect(statuses).toEqual({
      unsigned: 401,
      wrongSecret: 401,
      badHeader: 401,
      stale: 422,
      future: 422,
      notJson: 400,
      noEvent: 400,
      badTime: 400,
      oversized: 413,
    });
    expect(await queue.getJobCounts()).toMatchObject({
      waiting: 0,
      prioritized: 0,
      active: 0,
      completed: 0,
    });
    expect(await accountRow('refused')).toBeUndefined();
    await close();
  });

  it('answers 200 to an event it does not act on, and logs it at debug', async () => {
    const { logger, lines } = captureLogger('debug');
    const { url, queue, close } = await startWithWebhooks('unknown', logger);

    const event = { ...trutoEvent('active', 'x'), event: 'sync_job_run:completed' };
    expect(await deliver(url, event, SECRET)).toEqual({
      status: 200,
      text: '{"status":"ignored"}',
    });
    expect(await queue.getJobCounts()).toMatchObject({ waiting: 0, prioritized: 0, active: 0 });
    const ignored = lines.map((line) => JSON.parse(line) as { msg: string; level: number });
    expect(ignored.filter((line) => line.msg === 'webhook event ignored')).toEqual([
      expect.objectContaining({ level: 20 }),
    ]);
    await close();
  });

  it('is not served without TRUTO_WEBHOOK_SECRET', async () => {
    const worker = await bed.start(bed.environment('no-webhooks'));
    const response = await deliver(worker.httpUrl ?? '', trutoEvent('active', 'x'), SECRET);
    expect(response.status).toBe(404);
  });
});

describe('secrets', () => {
  it('keeps the webhook secret, admin password and API token out of logs, answers, Redis and tables', async () => {
    bed.standIn.setAccount({ id: 'secretive', licenses: 3 });
    const { logger, lines } = captureLogger('trace');
    const { url, env, close } = await startWithWebhooks('secrets', logger);
    const answers: string[] = [];
    const keep = async (response: Response) => {
      answers.push(JSON.stringify([...response.headers]), await response.text());
    };

    answers.push((await deliver(url, trutoEvent('active', 'secretive'), SECRET)).text);
    answers.push(
      (await deliver(url, trutoEvent('active', 'secretive'), 'wrong-secret-but-long')).text,
    );
    await finishedRuns('secretive', 1);
    await keep(
      await fetch(`${url}/admin/queues/api/queues`, {
        headers: {
          authorization: `Basic ${Buffer.from('operator:admin-password-55e1').toString('base64')}`,
        },
      }),
    );
    await keep(
      await fetch(`${url}/admin/queues`, { headers: { authorization: 'Basic b3BlcmF0b3I6bm8=' } }),
    );
    for (const path of ['/healthz', '/readyz', '/metrics'])
      await keep(await fetch(`${url}${path}`));
    await close();

    const everything = [
      lines.join('\n'),
      answers.join('\n'),
      await dumpRedisPrefix(env.QUEUE_PREFIX ?? ''),
      await dumpAllTables(bed.database),
    ].join('\n');
    expect(everything).toContain('secretive');
    for (const secret of [SECRET, ADMIN.ADMIN_PASSWORD, API_TOKEN]) {
      expect(everything).not.toContain(secret);
    }
  });
});
