import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import { withDefaultUser, type Database } from '../src/store/database.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/test-database.js';

const CLI = fileURLToPath(new URL('../bin/license-sync.js', import.meta.url));
const run = promisify(execFile);

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'cli-token' });
  standIn.setAccount({ id: 'cli-1', licenses: 120 });
  standIn.setAccount({ id: 'cli-report', licenses: 80 });
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

const COMMANDS = ['migrate', 'sync', 'worker', 'enqueue', 'schedule', 'status', 'report'];

describe('license-sync', () => {
  it.each(COMMANDS)('shows help for %s with examples', async (command) => {
    const result = await cli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain(`$ license-sync ${command}`);
  });

  it('lists every command and the exit codes in the root help', async () => {
    const result = await cli(['--help']);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toContain(`${command} [options]`);
    expect(result.stdout).toMatch(/Exit codes:\n {2}0 .*\n {2}1 .*\n {2}2 .*\n {2}3 /);
  });

  it('migrates and says so as JSON', async () => {
    const result = await cli(['migrate', '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      schema: database.schema,
      applied: 0,
      total: expect.any(Number),
    });
  });

  it('syncs an account and prints a one-line summary', async () => {
    const result = await cli(['sync', '--account', 'cli-1']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toMatch(/^cli-1: succeeded in [\d.]+s \(run \d+\): 1 pages, 120 records/);
  });

  describe('report', () => {
    beforeAll(async () => {
      expect((await cli(['sync', '--account', 'cli-report'])).code).toBe(0);
    });

    it('shows utilization per account as a table', async () => {
      const result = await cli(['report', '--account', 'cli-report']);
      expect(result.code).toBe(0);
      const [header, rule, row, ...rest] = result.stdout.trimEnd().split('\n');
      expect(header).toMatch(/^account +integration +currency +licenses .* used +cost\/month/);
      expect(rule).toMatch(/^─+ +─+/);
      const figures = String.raw`80 +80 +\d+ +\d+ +\d+ +\d+ +[\d.]+% +[\d,.]+ +[\d,.]+$`;
      expect(row).toMatch(new RegExp(`^cli-report +— +USD +${figures}`));
      expect(rest).toEqual([]);
    });

    it('shows utilization as JSON, matching the summary view', async () => {
      const result = await cli(['report', '--json', '--account', 'cli-report']);
      expect(result.code).toBe(0);
      const { accounts } = JSON.parse(result.stdout) as { accounts: unknown[] };
      const { rows } = await database.pool.query<{ seats: number; cost: string }>(
        `select sum(assigned_quantity)::int as seats, sum(assigned_monthly_cost)::text as cost
         from license_utilization where integrated_account_id = 'cli-report'`,
      );
      expect(accounts).toEqual([
        expect.objectContaining({
          integratedAccountId: 'cli-report',
          currency: 'USD',
          licenses: 80,
          assignedSeats: rows[0]?.seats,
          assignedMonthlyCost: rows[0]?.cost,
          utilization: expect.any(Number),
        }),
      ]);
    });
  });

  it('says how to fill a report for an account it has nothing for', async () => {
    const table = await cli(['report', '--account', 'nobody']);
    expect(table.code).toBe(0);
    expect(table.stdout).toBe('');
    expect(table.stderr).toContain('license-sync sync --account nobody');
    const json = await cli(['report', '--account', 'nobody', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ accounts: [] });
  });

  it('asks for a migration where the schema has no tables, without the password', async () => {
    const url = new URL(withDefaultUser(TEST_DATABASE_URL));
    // Trust authentication, as on the test server, ignores a password it did not ask for.
    if (url.password === '') url.password = 'never-sh0wn';
    const result = await cli(['report'], {
      DATABASE_URL: url.toString(),
      DATABASE_SCHEMA: 'license_sync_never_migrated',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('schema "license_sync_never_migrated"');
    expect(result.stderr).toContain(':***@');
    expect(result.stderr).toContain('run `license-sync migrate`');
    expect(result.stderr).not.toContain(url.password);
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
      'Could not connect to Postgres at postgres://someone:***@127.0.0.1:1/nowhere (ECONNREFUSED)',
    );
    expect(result.stderr).toMatch(/Start Postgres there .*or set DATABASE_URL/);
    expect(result.stderr).not.toContain('pa55word');
  });

  it('says which Redis it could not reach, without the password', async () => {
    const result = await cli(['status'], { REDIS_URL: 'redis://:s3cret@127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Could not connect to Redis at redis://:***@127.0.0.1:1');
    expect(result.stderr).toMatch(/Start Redis there .*or set REDIS_URL/);
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
