import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../src/queue/worker.js';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import type { Database } from '../src/store/database.js';
import { createTestDatabase } from './support/test-database.js';
import {
  dropRedisPrefix,
  startTestWorker,
  uniquePrefix,
  workerEnvironment,
} from './support/worker-harness.js';

const CLI = fileURLToPath(new URL('../bin/license-sync.js', import.meta.url));
const run = promisify(execFile);

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;
let worker: RunningWorker;
let environment: Record<string, string>;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'cli-queue-token' });
  standIn.setAccount({ id: 'q-1', licenses: 40, integration: 'zoom' });
  environment = workerEnvironment(database, standIn, uniquePrefix('cli'));
  worker = await startTestWorker(environment);
});

afterAll(async () => {
  await worker.stop();
  await standIn.close();
  await dropRedisPrefix(environment.QUEUE_PREFIX ?? '');
  await database.drop();
});

async function cli(args: string[]) {
  const env = { PATH: process.env.PATH, ...environment, LOG_LEVEL: 'warn' };
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('license-sync with a worker running', () => {
  it('enqueue --wait prints the outcome of the run that served the request', async () => {
    const result = await cli(['enqueue', '--account', 'q-1', '--wait']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/queued job \S+/);
    expect(result.stdout).toMatch(/run \d+ succeeded: 1 pages, 40 records, 40 written/);
  });

  it('enqueue --wait exits 1 when that run fails, printing the run as sync --json does', async () => {
    standIn.injectFault({ kind: 'blocked', accountId: 'q-1' });
    const result = await cli(['enqueue', '--account', 'q-1', '--wait', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({
      runId: expect.any(Number),
      integratedAccountId: 'q-1',
      licenseId: null,
      counts: expect.objectContaining({ pages: expect.any(Number), written: 0 }),
      status: 'failed',
      error: expect.stringMatching(/blocked/),
    });
  });

  it('enqueue refuses --license without --account', async () => {
    const result = await cli(['enqueue', '--license', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--license needs --account');
  });

  it('status --json shows the queue and each account’s last run', async () => {
    const result = await cli(['status', '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as {
      counts: object;
      accounts: object[];
      recentFailures: object[];
    };
    expect(status.counts).toMatchObject({ active: 0, delayed: 1 });
    expect(status.accounts).toContainEqual(
      expect.objectContaining({ id: 'q-1', lastRunStatus: 'failed' }),
    );
    expect(status.recentFailures).toHaveLength(1);
  });

  it('status shows tables on a terminal', async () => {
    const result = await cli(['status']);
    expect(result.stdout).toMatch(/^queue: waiting 0/);
    expect(result.stdout).toContain('recent failures');
  });

  it('schedule shows the configured and registered schedule with its next runs', async () => {
    const result = await cli(['schedule', '--json', '--next', '3']);
    const schedule = JSON.parse(result.stdout) as { registered: object; nextRuns: string[] };
    expect(schedule.registered).toMatchObject({ pattern: '0 2 * * *', timezone: 'UTC' });
    expect(schedule.nextRuns).toHaveLength(3);
    expect(schedule.nextRuns[0]).toMatch(/T02:00:00.000Z$/);
  });
});
