import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { syncDependencies, type Runtime } from '../app/runtime.js';
import { runMigrations } from '../store/migrate.js';
import { createRedisRateLimits, tokenFingerprint } from '../truto/redis-rate-limits.js';
import { requireApiToken } from '../config/config.js';
import { redactUrl } from '../config/redact-url.js';
import { createJobProcessor } from './job-processor.js';
import { QUEUE_NAME, type JobData, type JobOutcome } from './job-types.js';
import { openLicenseQueue, type LicenseQueue } from './license-queue.js';
import { connectRedis } from './redis-connection.js';
import { registerSchedule } from './schedule.js';
import { createMetrics, type SyncMetrics } from '../http/metrics.js';
import { startHttpServer, type RunningHttpServer } from '../http/server.js';

export interface RunningWorker {
  /** Stops taking jobs, lets running syncs commit and step back, then closes everything. */
  stop(): Promise<void>;
  /** Settles when the worker has stopped, whoever stopped it. */
  stopped: Promise<void>;
  /** Where its HTTP server listens; `null` with `HTTP_PORT=off`. */
  httpUrl: string | null;
}

/**
 * Starts a worker: applies migrations, registers the nightly schedule and takes jobs with the
 * configured concurrency. Several workers, on one machine or many, share one Redis.
 */
export async function startWorker(runtime: Runtime): Promise<RunningWorker> {
  const { config, logger } = runtime;
  const apiToken = requireApiToken(config);
  const redis = connectRedis(config.redisUrl);
  reportRedisTrouble(redis, runtime);
  const queue = openLicenseQueue(redis, config.queue);
  await queue.waitUntilReady();
  await runMigrations(runtime.database);
  await registerSchedule(queue, config.schedule);

  const gate = createRedisRateLimits(redis, {
    ...config.rateLimits,
    keyPrefix: `${config.queue.prefix}:rate`,
    tokenFingerprint: tokenFingerprint(apiToken),
  });
  const { metrics, server } = await serveHttp(runtime, redis, queue);
  const deps = syncDependencies(runtime, gate, metrics);
  const shutdown = new AbortController();
  const processor = createJobProcessor({
    deps,
    queue,
    licenseIntegrations: config.licenseIntegrations,
    keepReauthHolds: server !== null && config.http.webhookSecret !== undefined,
    logger,
    shutdown: shutdown.signal,
  });

  const worker = new Worker<JobData, JobOutcome>(QUEUE_NAME, processor, {
    connection: redis,
    prefix: config.queue.prefix,
    concurrency: config.queue.concurrency,
    lockDuration: config.queue.lockDurationMs,
    // Checked at least as often as a lock can expire, so a dead worker's job waits no longer.
    stalledInterval: Math.min(30_000, config.queue.lockDurationMs),
    // A worker killed mid-sync leaves its job stalled; it is taken up again and resumes
    // from its checkpoint. Counting a few stalls allows for repeated crashes in a night.
    maxStalledCount: 3,
  });
  observe(worker, runtime);
  logger.info(
    {
      concurrency: config.queue.concurrency,
      prefix: config.queue.prefix,
      schedule: config.schedule,
    },
    'worker started',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    // The HTTP server goes first, so that no webhook acts on a queue or pool being closed.
    stopping ??= (async () => {
      await server?.close();
      await stopWorker(worker, redis, runtime, shutdown, async () => {
        await queue.close();
        await deps.truto.close();
      });
    })();
    return stopping;
  };
  const stopped = new Promise<void>((resolve) => {
    worker.once('closed', () => {
      resolve();
    });
  });
  return { stop, stopped, httpUrl: server?.url ?? null };
}

/**
 * Starts the HTTP server and the metrics it serves, unless `HTTP_PORT=off`. The metrics
 * exist only to be served: with the server off, nothing observes the runs.
 */
async function serveHttp(
  runtime: Runtime,
  redis: Redis,
  queue: LicenseQueue,
): Promise<{ metrics?: SyncMetrics; server: RunningHttpServer | null }> {
  const { config, logger, database } = runtime;
  const { port } = config.http;
  if (port === null) {
    logger.info('HTTP server off (HTTP_PORT=off): no health, metrics, board or webhooks');
    return { server: null };
  }
  const metrics = createMetrics({ queue, db: database.db, logger });
  const server = await startHttpServer({
    config: { ...config.http, port },
    queuePrefix: config.queue.prefix,
    logger,
    database,
    redis,
    queue,
    metrics,
  });
  return { metrics, server };
}

async function stopWorker(
  worker: Worker<JobData, JobOutcome>,
  redis: Redis,
  runtime: Runtime,
  shutdown: AbortController,
  closeOthers: () => Promise<void>,
): Promise<void> {
  const { logger, config } = runtime;
  logger.info({ timeoutMs: config.queue.shutdownTimeoutMs }, 'worker stopping');
  shutdown.abort(new Error('the worker is shutting down'));

  const closed = worker.close();
  const timedOut = await Promise.race([
    closed.then(() => false),
    sleep(config.queue.shutdownTimeoutMs).then(() => true),
  ]);
  if (timedOut) {
    // The jobs still running lose their locks and are taken up by another worker, from
    // their checkpoints.
    logger.warn('running jobs did not stop in time; closing anyway');
    await worker.close(true);
  }
  await closeOthers();
  await redis.quit().catch(() => undefined);
  await runtime.close();
  logger.info('worker stopped');
}

function observe(worker: Worker<JobData, JobOutcome>, runtime: Runtime): void {
  const { logger } = runtime;
  worker.on('failed', (job, error) => {
    const fields = { jobId: job?.id, job: job?.name, attempts: job?.attemptsMade, err: error };
    logger.warn(fields, 'job failed');
  });
  worker.on('error', (error) => {
    logger.error({ err: error }, 'worker error');
  });
  worker.on('stalled', (jobId) => {
    logger.warn({ jobId }, 'job stalled; it will be taken up again');
  });
}

/** How often a worker that cannot reach Redis says so; ioredis keeps reconnecting meanwhile. */
const REDIS_TROUBLE_LOG_MS = 30_000;

function reportRedisTrouble(redis: Redis, runtime: Runtime): void {
  let lastLogged = 0;
  const where = redactUrl(runtime.config.redisUrl, 'REDIS_URL');
  redis.on('error', (error: Error) => {
    if (Date.now() - lastLogged < REDIS_TROUBLE_LOG_MS) return;
    lastLogged = Date.now();
    runtime.logger.warn({ err: error, redis: where }, 'cannot reach Redis; retrying');
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
