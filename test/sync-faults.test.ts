import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import type { FaultKind } from '../src/stand-in/faults.js';
import { syncAccount } from '../src/sync/sync-account.js';
import type { Database } from '../src/store/database.js';
import { createTestDatabase, dumpAllTables } from './support/test-database.js';
import { syncHarness, type HarnessOptions } from './support/sync-harness.js';

const TOKEN = 'secret-token-for-faults-91c2';

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;
let accountNumber = 0;
const allLogs: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: TOKEN });
});

afterAll(async () => {
  await standIn.close();
  await database.drop();
});

afterEach(() => {
  standIn.clearFaults();
});

function newAccount(licenses: number): string {
  accountNumber += 1;
  const id = `fault-${accountNumber}`;
  standIn.setAccount({ id, licenses });
  return id;
}

async function sync(accountId: string, options: HarnessOptions = {}) {
  const { deps, truto, logs } = syncHarness(database, standIn, options);
  try {
    return await syncAccount(deps, { integratedAccountId: accountId, trigger: 'cli' });
  } finally {
    allLogs.push(...logs);
    await truto.close();
  }
}

/** Every request of the account but the first gets a 502, for as long as the test lasts. */
function failAfterFirstPage(accountId: string): void {
  standIn.injectFault({
    kind: 'status',
    status: 502,
    accountId,
    afterRequests: 1,
    times: Infinity,
  });
}

async function storedCount(accountId: string): Promise<number> {
  const result = await database.pool.query<{ n: string }>(
    'select count(*) as n from licenses where integrated_account_id = $1',
    [accountId],
  );
  return Number(result.rows[0]?.n);
}

async function checkpointOf(accountId: string) {
  const result = await database.pool.query(
    'select * from sync_checkpoints where integrated_account_id = $1',
    [accountId],
  );
  return result.rows[0] as Record<string, unknown> | undefined;
}

describe('faults that a retry fixes', () => {
  const recoverable: [string, FaultKind][] = [
    ['a 429 with Retry-After in seconds', { kind: 'rate-limit', retryAfterSeconds: 0 }],
    ['a 429 with Retry-After as an HTTP date', { kind: 'rate-limit', retryAfterDate: true }],
    ['a 429 with ratelimit-reset', { kind: 'rate-limit', ratelimitResetSeconds: 0 }],
    ['a 500', { kind: 'status', status: 500 }],
    ['a 502', { kind: 'status', status: 502 }],
    ['a 504', { kind: 'status', status: 504 }],
    ['a body cut off mid-stream', { kind: 'truncate', afterRecords: 10 }],
    ['a body that is not valid JSON', { kind: 'invalid-json' }],
    ['a body of the wrong content type', { kind: 'wrong-content-type' }],
    ['headers slower than the time-out', { kind: 'slow-headers', delayMs: 2_500 }],
    ['a body that stalls', { kind: 'stall', afterRecords: 5 }],
  ];

  for (const [what, fault] of recoverable) {
    it(`survives ${what} without losing or repeating a record`, async () => {
      const account = newAccount(120);
      standIn.injectFault({ ...fault, accountId: account, afterRequests: 1 });
      standIn.injectFault({ ...fault, accountId: account });

      const result = await sync(account, {
        client: { headersTimeoutMs: 1_000, bodyIdleTimeoutMs: 300 },
      });

      expect(result.status, result.error?.message).toBe('succeeded');
      expect(result.counts).toMatchObject({ recordsSeen: 120, written: 120, rejected: 0 });
      expect(await storedCount(account)).toBe(120);
    });
  }

  it('survives a slow trickle of bytes', async () => {
    const account = newAccount(20);
    standIn.injectFault({ kind: 'trickle', bytesPerChunk: 512, delayMs: 2, accountId: account });
    const result = await sync(account);
    expect(result.status).toBe('succeeded');
    expect(await storedCount(account)).toBe(20);
  });

  it('gives up after the configured retries and keeps the checkpoint', async () => {
    const account = newAccount(120);
    failAfterFirstPage(account);
    const result = await sync(account, { client: { retries: 2 } });

    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/502/);
    expect(await storedCount(account)).toBe(50);
    expect(await checkpointOf(account)).toMatchObject({ pages_done: 1 });
  });

  it('reads again, without calling them listed twice, the licenses a failed run stored past its checkpoint', async () => {
    const account = newAccount(120);
    // Page 2 (licenses 51–100) breaks after 30 records, once a batch of 20 of them is stored.
    standIn.injectFault({
      kind: 'truncate',
      afterRecords: 30,
      accountId: account,
      afterRequests: 1,
      times: Infinity,
    });
    const tuning = { batchSize: 20 };
    const failed = await sync(account, { client: { retries: 1 }, tuning });
    expect(failed.status).toBe('failed');
    expect(await checkpointOf(account)).toMatchObject({ pages_done: 1 });
    expect(await storedCount(account)).toBeGreaterThan(50);

    standIn.clearFaults();
    const resumed = await sync(account, { tuning });

    expect(resumed).toMatchObject({ status: 'succeeded', resumed: true });
    const marked = await database.pool.query(
      `select id from licenses
       where integrated_account_id = $1 and (listed_twice_at is not null or deleted_at is not null)`,
      [account],
    );
    expect(marked.rows).toEqual([]);
    expect(await storedCount(account)).toBe(120);
  });

  it('fails a 429 that asks for a longer wait than the process may hold', async () => {
    const account = newAccount(10);
    standIn.injectFault({ kind: 'rate-limit', accountId: account });
    const result = await sync(account, { client: { maxRetryAfterMs: 5_000 } });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ kind: 'rate-limited', retryAfterMs: 10_000 });
  });
});

describe('faults that end the run at once', () => {
  const fatal: [string, FaultKind, RegExp][] = [
    [
      'a vendor 401, as needing re-authorization',
      { kind: 'vendor-unauthorized' },
      /re-authorization/,
    ],
    ['a 503, as a blocked account', { kind: 'blocked' }, /blocked/],
    ['a 403', { kind: 'status', status: 403 }, /403/],
    ['a 422', { kind: 'status', status: 422 }, /422/],
  ];

  for (const [what, fault, message] of fatal) {
    it(`ends the run on ${what}, without retrying`, async () => {
      const account = newAccount(10);
      standIn.injectFault({ ...fault, accountId: account });
      const before = standIn.requests.length;

      const result = await sync(account);

      expect(result.status).toBe('failed');
      expect(result.error?.message).toMatch(message);
      expect(standIn.requests.length - before).toBe(1);
      const run = await database.pool.query('select status, error from sync_runs where id = $1', [
        result.runId,
      ]);
      expect(run.rows[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(message),
      });
    });
  }

  it('says that our own token was refused, naming the variable to check', async () => {
    const account = newAccount(10);
    const { deps, truto } = syncHarness(database, standIn, { client: { apiToken: 'wrong' } });
    const result = await syncAccount(deps, { integratedAccountId: account, trigger: 'cli' });
    await truto.close();
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/TRUTO_API_TOKEN/);
    expect(result.error?.message).not.toContain('wrong');
  });

  it('fails on a repeating cursor and clears the checkpoint, so the next run starts over', async () => {
    const account = newAccount(120);
    standIn.injectFault({
      kind: 'repeat-cursor',
      accountId: account,
      afterRequests: 1,
      times: Infinity,
    });

    const result = await sync(account);
    expect(result.status).toBe('failed');
    expect(result.error?.name).toBe('RepeatedCursorError');
    expect(await checkpointOf(account)).toBeUndefined();

    standIn.clearFaults();
    const next = await sync(account);
    expect(next).toMatchObject({ status: 'succeeded', resumed: false });
    expect(await storedCount(account)).toBe(120);
  });

  const refusals: [string, FaultKind][] = [
    ['refuses the checkpoint cursor with a 410', { kind: 'status', status: 410 }],
    ['says the checkpoint cursor has expired', { kind: 'expired-cursor' }],
  ];
  for (const [what, refusal] of refusals) {
    it(`starts the listing over when Truto ${what}`, async () => {
      const account = newAccount(120);
      failAfterFirstPage(account);
      await sync(account, { client: { retries: 0 } });
      expect(await checkpointOf(account)).toBeDefined();

      standIn.clearFaults();
      standIn.injectFault({ ...refusal, accountId: account, withCursor: true });
      const resumed = await sync(account);
      expect(resumed).toMatchObject({ status: 'succeeded', resumed: true });
      expect(resumed.counts).toMatchObject({ pages: 3, deleted: 0 });
      expect(await storedCount(account)).toBe(120);
      // Listing again from the start is a new pass, not the same licenses listed twice.
      const twice = await database.pool.query(
        'select id from licenses where integrated_account_id = $1 and listed_twice_at is not null',
        [account],
      );
      expect(twice.rows).toEqual([]);
    });
  }
});

describe('secrets', () => {
  it('keeps the API token out of every log line, error and table', async () => {
    const account = newAccount(60);
    standIn.injectFault({ kind: 'status', status: 500, accountId: account });
    standIn.injectFault({ kind: 'vendor-unauthorized', accountId: account, afterRequests: 1 });
    const result = await sync(account);

    expect(result.status).toBe('failed');
    expect(allLogs.length).toBeGreaterThan(0);
    expect(allLogs.join('\n')).not.toContain(TOKEN);
    expect(JSON.stringify(result, Object.getOwnPropertyNames(result))).not.toContain(TOKEN);
    expect(String(result.error?.stack)).not.toContain(TOKEN);
    expect(await dumpAllTables(database)).not.toContain(TOKEN);
  });
});
