import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import { createTestDatabase, TEST_DATABASE_URL } from './support/test-database.js';
import type { Database } from '../src/store/database.js';

const CLI = fileURLToPath(new URL('../bin/license-sync.js', import.meta.url));

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'kill-test-token' });
});

afterAll(async () => {
  await standIn.close();
  await database.drop();
});

/** Pages of 20 in batches of 10; or pages of 10 in batches of 40, which span pages. */
interface Sizes {
  page: string;
  batch: string;
}

function runCli(
  args: string[],
  sizes: Sizes = { page: '20', batch: '10' },
): ChildProcess & { done: Promise<{ code: number | null; stdout: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_SCHEMA: database.schema,
      TRUTO_API_URL: standIn.url,
      TRUTO_API_TOKEN: standIn.token,
      TRUTO_PAGE_SIZE: sizes.page,
      SYNC_BATCH_SIZE: sizes.batch,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => {
    child.on('exit', (code) => {
      resolve({ code, stdout });
    });
  });
  return Object.assign(child, { done });
}

async function pagesDone(accountId: string): Promise<number> {
  const result = await database.pool.query<{ pages: number }>(
    `select coalesce(max(pages_done), 0) as pages from sync_checkpoints where integrated_account_id = $1`,
    [accountId],
  );
  return result.rows[0]?.pages ?? 0;
}

describe('a sync killed with SIGKILL', () => {
  const sizes: [string, Sizes][] = [
    ['one batch or more a page', { page: '20', batch: '10' }],
    ['batches that span pages', { page: '10', batch: '40' }],
  ];
  for (const [name, size] of sizes) {
    it(`is resumed from its checkpoint by the next run, losing and repeating nothing (${name})`, async () => {
      const account = `kill-1-${size.batch}`;
      standIn.setAccount({ id: account, licenses: 600 });
      // Slow every page down, so that the kill lands in the middle of the listing.
      standIn.injectFault({ kind: 'trickle', bytesPerChunk: 4_096, delayMs: 25, times: Infinity });

      const first = runCli(['sync', '--account', account], size);
      const deadline = Date.now() + 20_000;
      while ((await pagesDone(account)) < 4 && Date.now() < deadline) await sleep(50);
      first.kill('SIGKILL');
      await first.done;
      const killedAt = await pagesDone(account);
      expect(killedAt).toBeGreaterThanOrEqual(4);

      standIn.clearFaults();
      const second = await runCli(['sync', '--account', account, '--json'], size).done;
      expect(second.code).toBe(0);
      const outcome = JSON.parse(second.stdout) as {
        resumed: boolean;
        counts: Record<string, number>;
      };
      expect(outcome.resumed).toBe(true);
      expect(outcome.counts.recordsSeen).toBeLessThan(600);
      expect(outcome.counts.deleted).toBe(0);

      const stored = await database.pool.query(
        `select count(*)::int as n, count(distinct id)::int as distinct_ids,
              count(*) filter (where deleted_at is not null)::int as deleted
       from licenses where integrated_account_id = $1`,
        [account],
      );
      expect(stored.rows[0]).toEqual({ n: 600, distinct_ids: 600, deleted: 0 });

      const runs = await database.pool.query(
        `select status, resumed, error from sync_runs where integrated_account_id = $1 order by id`,
        [account],
      );
      expect(runs.rows).toEqual([
        { status: 'failed', resumed: false, error: expect.stringMatching(/interrupted/) },
        { status: 'succeeded', resumed: true, error: null },
      ]);
    });
  }

  it('with --full lists the account from the first page instead', async () => {
    const account = 'kill-2';
    standIn.setAccount({ id: account, licenses: 100 });
    await database.pool.query(
      `insert into sync_checkpoints (integrated_account_id, pass_started_at, next_cursor, pages_done)
       values ($1, now(), 'bogus', 3)`,
      [account],
    );
    const result = await runCli(['sync', '--account', account, '--full', '--json']).done;
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      resumed: false,
      counts: { recordsSeen: 100 },
    });
  });
});
