import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createMetrics } from '../src/http/metrics.js';
import { startHttpServer } from '../src/http/server.js';
import { enqueueAccountSync } from '../src/queue/license-queue.js';
import { captureLogger } from './support/capture-logger.js';
import { eventually, testQueue, useWorkerTestbed } from './support/worker-harness.js';

const bed = useWorkerTestbed('worker-http-token');
const { environment, start } = bed;

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` };
}

/** A port nothing listens on: taken from the system, then given back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return port;
}

/** The value of one sample of the Prometheus text, e.g. `name{label="x"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function runFinished(accountId: string) {
  return eventually(async () => {
    const { rows } = await bed.database.pool.query<{ status: string }>(
      "select status from sync_runs where integrated_account_id = $1 and status <> 'running'",
      [accountId],
    );
    return rows[0];
  }, `a finished run of ${accountId}`);
}

describe('health and readiness', () => {
  it('says the process is alive and that Postgres and Redis answer', async () => {
    const worker = await start(environment('health'));
    const url = worker.httpUrl ?? '';

    expect(await get(`${url}/healthz`)).toMatchObject({ status: 200 });
    const ready = await get(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toEqual({
      status: 'ready',
      checks: { postgres: 'ok', redis: 'ok' },
    });
  });

  it('answers 503 naming Redis when Redis is unreachable, without its URL or password', async () => {
    const env = environment('not-ready');
    const config = loadConfig(env);
    const { queue, close } = testQueue(env);
    const { logger, lines } = captureLogger();
    const deadRedisUrl = `redis://:dead-redis-password@127.0.0.1:${String(await closedPort())}`;
    const deadRedis = new Redis(deadRedisUrl, { maxRetriesPerRequest: 0, lazyConnect: true });
    deadRedis.on('error', () => undefined);
    const server = await startHttpServer({
      config: { ...config.http, port: 0, host: '127.0.0.1' },
      queuePrefix: config.queue.prefix,
      logger,
      database: bed.database,
      redis: deadRedis,
      queue,
      metrics: createMetrics({ queue, db: bed.database.db, logger }),
    });
    try {
      const ready = await get(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toEqual({
        status: 'not ready',
        checks: { postgres: 'ok', redis: 'unreachable' },
      });
      expect(ready.text + lines.join('\n')).not.toMatch(/dead-redis-password|redis:\/\//);
      expect(await get(`${server.url}/healthz`)).toMatchObject({ status: 200 });
    } finally {
      await server.close();
      deadRedis.disconnect();
      await close();
    }
  });

  it('serves nothing with HTTP_PORT=off', async () => {
    const worker = await start(environment('http-off', { HTTP_PORT: 'off' }));
    expect(worker.httpUrl).toBeNull();
  });
});

describe('the metrics', () => {
  it('count runs, licenses, upstream statuses, 429s, retries and queue depth after a sync', async () => {
    bed.standIn.setAccount({ id: 'metered', licenses: 60 });
    bed.standIn.injectFault({ accountId: 'metered', kind: 'rate-limit', retryAfterSeconds: 0 });
    bed.standIn.injectFault({ accountId: 'metered', kind: 'status', status: 500 });
    const env = environment('metrics');
    const worker = await start(env);
    const { queue, close } = testQueue(env);

    await enqueueAccountSync(queue, { integratedAccountId: 'metered', trigger: 'on-demand' });
    expect(await runFinished('metered')).toEqual({ status: 'succeeded' });
    await eventually(async () => (await queue.getCompletedCount()) === 1, 'the job to complete');
    const { status, text } = await get(`${worker.httpUrl ?? ''}/metrics`);
    await close();

    expect(status).toBe(200);
    expect(sample(text, 'license_sync_runs_total{outcome="succeeded",trigger="on-demand"}')).toBe(
      1,
    );
    expect(sample(text, 'license_sync_run_duration_seconds_count{outcome="succeeded"}')).toBe(1);
    expect(sample(text, 'license_sync_licenses_written_total')).toBe(60);
    expect(sample(text, 'license_sync_licenses_unchanged_total')).toBe(0);
    expect(sample(text, 'license_sync_records_rejected_total')).toBe(0);
    expect(sample(text, 'license_sync_licenses_deleted_total')).toBe(0);
    // Two pages of 50, one of them asked for three times.
    expect(sample(text, 'license_sync_upstream_requests_total{status="200"}')).toBe(2);
    expect(sample(text, 'license_sync_upstream_requests_total{status="429"}')).toBe(1);
    expect(sample(text, 'license_sync_upstream_requests_total{status="500"}')).toBe(1);
    expect(sample(text, 'license_sync_upstream_rate_limited_total')).toBe(1);
    expect(sample(text, 'license_sync_upstream_retries_total{kind="rate-limited"}')).toBe(1);
    expect(sample(text, 'license_sync_upstream_retries_total{kind="server"}')).toBe(1);
    expect(sample(text, 'license_sync_queue_jobs{state="completed"}')).toBe(1);
    expect(sample(text, 'license_sync_queue_jobs{state="waiting"}')).toBe(0);
    expect(sample(text, 'license_sync_accounts_needing_reauth')).toBe(0);
    expect(sample(text, 'license_sync_process_cpu_seconds_total')).toBeGreaterThan(0);
    const names = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(names.filter((line) => !line.startsWith('license_sync_'))).toEqual([]);
  });
});

describe('the queue board', () => {
  const admin = { ADMIN_USERNAME: 'operator', ADMIN_PASSWORD: 'board-password-1234' };

  it('answers 401 with a challenge without the credential, and serves the board with it', async () => {
    const worker = await start(environment('board', admin));
    const board = `${worker.httpUrl ?? ''}/admin/queues`;

    const anonymous = await get(board);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await get(board, basic('operator', 'wrong-password-123'))).status).toBe(401);
    expect((await get(`${board}/api/queues`)).status).toBe(401);

    const page = await get(board, basic('operator', 'board-password-1234'));
    expect(page.status).toBe(200);
    expect(page.text).toContain('<html');
    const api = await get(`${board}/api/queues`, basic('operator', 'board-password-1234'));
    expect(api.status).toBe(200);
    expect(api.text).toContain('"licenses"');
  });

  it('is not served at all without a configured credential, and the log says so once', async () => {
    const { logger, lines } = captureLogger('info');
    const worker = await start(environment('no-board'), logger);

    expect((await get(`${worker.httpUrl ?? ''}/admin/queues`)).status).toBe(404);
    expect(lines.filter((line) => line.includes('queue board not served'))).toHaveLength(1);
  });
});
