import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { enqueueSyncAll, openLicenseQueue } from '../src/queue/license-queue.js';
import { projectFile } from './node-script.js';
import { startStandInProcess } from './stand-in-process.js';

// The CLI as users run it: it runs the build, which `npm run bench` has just made.
const CLI = projectFile('bin/license-sync.js', import.meta.url);

export interface FanOutFigures {
  accounts: number;
  seconds: number;
  accounts_per_s: number;
  ms_per_account: number;
  concurrency: number;
}

/**
 * The queue's cost per account: a nightly fan-out over many accounts of one license each,
 * run by one worker process, from the request to the last sync.
 */
export async function measureFanOut(
  accounts: number,
  databaseUrl: string,
  concurrency = 4,
): Promise<FanOutFigures> {
  const standIn = await startStandInProcess(1, 'page', accounts);
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const schema = prefix.replace('-', '_');
  const environment = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    QUEUE_PREFIX: prefix,
    TRUTO_API_URL: standIn.url,
    TRUTO_API_TOKEN: standIn.token,
    LICENSE_INTEGRATIONS: 'zoom,microsoft365,salesforce',
    WORKER_CONCURRENCY: String(concurrency),
    RATE_LIMIT_PER_ACCOUNT: '100000',
    RATE_LIMIT_PER_TOKEN: '100000',
    LOG_LEVEL: 'warn',
  };
  const worker = spawn(process.execPath, [CLI, 'worker'], { env: environment, stdio: 'ignore' });
  const redis = new Redis(loadConfig(environment).redisUrl, { maxRetriesPerRequest: null });
  const queue = openLicenseQueue(redis, loadConfig(environment).queue);
  try {
    await queue.waitUntilReady();
    await waitUntil(async () => (await queue.getDelayedCount()) === 1);
    const started = performance.now();
    await enqueueSyncAll(queue, 'on-demand');
    await waitUntil(async () => (await queue.getCompletedCount()) >= accounts + 1);
    const seconds = (performance.now() - started) / 1000;
    return {
      accounts,
      seconds: Math.round(seconds * 100) / 100,
      accounts_per_s: Math.round(accounts / seconds),
      ms_per_account: Math.round((seconds * 1000 * concurrency) / accounts),
      concurrency,
    };
  } finally {
    worker.kill('SIGTERM');
    await new Promise((resolve) => worker.once('exit', resolve));
    await queue.obliterate({ force: true });
    await queue.close();
    redis.disconnect();
    standIn.stop();
    await dropSchema(databaseUrl, schema);
  }
}

async function dropSchema(databaseUrl: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('notice', () => undefined);
  await client.connect();
  await client.query(`drop schema if exists ${schema} cascade`);
  await client.end();
}

async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 200));
}
