import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import type { Database } from '../src/store/database.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/test-database.js';

const CLI = fileURLToPath(new URL('../bin/license-sync.js', import.meta.url));
const run = promisify(execFile);

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'cli-token' });
  standIn.setAccount({ id: 'cli-1', licenses: 120 });
});

afterAll(async () => {
  await standIn.close();
  await database.drop();
});

async function cli(args: string[], env: Record<string, string> = {}) {
  const environment = {
    PATH: process.env.PATH,
    DATABASE_URL: TEST_DATABASE_URL,
    DATABASE_SCHEMA: database.schema,
    TRUTO_API_URL: standIn.url,
    TRUTO_API_TOKEN: standIn.token,
    LOG_LEVEL: 'warn',
    ...env,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: environment });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('license-sync', () => {
  it('shows help with examples', async () => {
    const result = await cli(['sync', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--account <id>');
    expect(result.stdout).toContain('Examples:');
  });

  it('syncs an account and prints a one-line summary', async () => {
    const result = await cli(['sync', '--account', 'cli-1']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^cli-1: succeeded in [\d.]+s \(run \d+\): 1 pages, 120 records/);
  });

  it('exits 1 with the reason when the run fails', async () => {
    standIn.injectFault({ kind: 'vendor-unauthorized', accountId: 'cli-1' });
    const result = await cli(['sync', '--account', 'cli-1']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/failed .* needs re-authorization/);
  });

  it('exits 2 and names every wrong setting before doing anything', async () => {
    const result = await cli(['sync', '--account', 'cli-1'], {
      TRUTO_PAGE_SIZE: '0',
      SYNC_BATCH_SIZE: 'big',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TRUTO_PAGE_SIZE');
    expect(result.stderr).toContain('SYNC_BATCH_SIZE');
  });

  it('exits 2 when no API token is configured', async () => {
    const result = await cli(['sync', '--account', 'cli-1'], { TRUTO_API_TOKEN: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('TRUTO_API_TOKEN');
  });

  it('says which Postgres it could not reach, without the password', async () => {
    const url = 'postgres://someone:pa55word@127.0.0.1:1/nowhere';
    const result = await cli(['migrate'], { DATABASE_URL: url });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'Could not connect to Postgres at postgres://someone:***@127.0.0.1:1/nowhere',
    );
    expect(result.stderr).not.toContain('pa55word');
  });

  it('says which Redis it could not reach, without the password', async () => {
    const result = await cli(['status'], { REDIS_URL: 'redis://:s3cret@127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Could not connect to Redis at redis://:***@127.0.0.1:1');
    expect(result.stderr).not.toContain('s3cret');
  }, 30_000);

  it('exits 3 while another process syncs the same account', async () => {
    const holder = await database.pool.connect();
    await holder.query('select pg_advisory_lock(7341002, hashtext($1))', [
      `${database.schema}:cli-1`,
    ]);
    try {
      const result = await cli(['sync', '--account', 'cli-1']);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain('being synced by another process');
    } finally {
      holder.release(true);
    }
  });
});
