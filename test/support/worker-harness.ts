import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { openRuntime } from '../../src/app/runtime.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Logger } from '../../src/logging/logger.js';
import { openLicenseQueue, type LicenseQueue } from '../../src/queue/license-queue.js';
import { startWorker, type RunningWorker } from '../../src/queue/worker.js';
import type { Database } from '../../src/store/database.js';
import { startTrutoStandIn, type TrutoStandIn } from '../../src/stand-in/truto-stand-in.js';
import { createTestDatabase, TEST_DATABASE_URL } from './test-database.js';
import { dumpRedisValue } from '../../chaos/support/secret-scan.js';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The environment of a worker under test: its own queue prefix, fast retries, quiet logs. */
export function workerEnvironment(
  database: Database,
  standIn: TrutoStandIn,
  prefix: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: database.schema,
    REDIS_URL,
    QUEUE_PREFIX: prefix,
    TRUTO_API_URL: standIn.url,
    TRUTO_API_TOKEN: standIn.token,
    TRUTO_PAGE_SIZE: '50',
    TRUTO_RETRIES: '2',
    TRUTO_RETRY_MIN_DELAY_MS: '10',
    TRUTO_RETRY_MAX_DELAY_MS: '50',
    SYNC_BATCH_SIZE: '25',
    JOB_BACKOFF_MS: '50',
    JOB_LOCK_DURATION_MS: '10000',
    SHUTDOWN_TIMEOUT_MS: '5000',
    RATE_LIMIT_PER_ACCOUNT: '1000',
    RATE_LIMIT_PER_TOKEN: '10000',
    LOG_LEVEL: 'silent',
    // A free port of its own on loopback: test files run at once on a shared machine.
    HTTP_PORT: '0',
    HTTP_HOST: '127.0.0.1',
    ...overrides,
  };
}

export function uniquePrefix(name: string): string {
  return `test-${name}-${randomBytes(4).toString('hex')}`;
}

export async function startTestWorker(
  environment: Record<string, string>,
  logger?: Logger,
): Promise<RunningWorker> {
  return startWorker(openRuntime(loadConfig(environment), { logger }));
}

/** A queue handle for the test itself, on its own connection. */
export function testQueue(environment: Record<string, string>): {
  queue: LicenseQueue;
  config: Config;
  close: () => Promise<void>;
} {
  const config = loadConfig(environment);
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const queue = openLicenseQueue(redis, config.queue);
  return {
    queue,
    config,
    close: async () => {
      await queue.close();
      redis.disconnect();
    },
  };
}

/** Removes every key of a test's queue prefix. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

/** Everything stored under a prefix, as text, to search for what must never be there. */
export async function dumpRedisPrefix(prefix: string): Promise<string> {
  const redis = new Redis(REDIS_URL);
  const parts: string[] = [];
  for (const key of await redis.keys(`${prefix}:*`)) {
    parts.push(key, await dumpRedisValue(redis, key));
  }
  redis.disconnect();
  return parts.join('\n');
}

/** Polls until the check passes, or fails the test after the timeout. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface WorkerTestbed {
  database: Database & { drop(): Promise<void> };
  standIn: TrutoStandIn;
  /** A worker environment with a queue prefix of its own, removed after the file. */
  environment: (name: string, overrides?: Record<string, string>) => Record<string, string>;
  /** Starts a worker that is stopped after the test; its logs go to `logger` if given. */
  start: (environment: Record<string, string>, logger?: Logger) => Promise<RunningWorker>;
}

/**
 * What every worker test file sets up: a schema of its own, a stand-in, and the clean-up of
 * the workers each test starts and the queue prefixes it used.
 */
export function useWorkerTestbed(token: string): WorkerTestbed {
  const prefixes: string[] = [];
  const workers: RunningWorker[] = [];
  const testbed = {
    environment: (name: string, overrides: Record<string, string> = {}) => {
      const prefix = uniquePrefix(name);
      prefixes.push(prefix);
      return workerEnvironment(testbed.database, testbed.standIn, prefix, overrides);
    },
    start: async (environment: Record<string, string>, logger?: Logger) => {
      const worker = await startTestWorker(environment, logger);
      workers.push(worker);
      return worker;
    },
  } as WorkerTestbed;

  beforeAll(async () => {
    testbed.database = await createTestDatabase();
    testbed.standIn = await startTrutoStandIn({ token });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    testbed.standIn.clearFaults();
  });
  afterAll(async () => {
    await testbed.standIn.close();
    await Promise.all(prefixes.map(dropRedisPrefix));
    await testbed.database.drop();
  });
  return testbed;
}
