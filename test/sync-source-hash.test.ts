import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  RawJsonRecord,
  startTrutoStandIn,
  type TrutoStandIn,
} from '../src/stand-in/truto-stand-in.js';
import { syncAccount } from '../src/sync/sync-account.js';
import type { Database } from '../src/store/database.js';
import { createTestDatabase } from './support/test-database.js';
import { syncHarness } from './support/sync-harness.js';

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;
let accountNumber = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'secret-token-5d1e0b' });
});

afterAll(async () => {
  await standIn.close();
  await database.drop();
});

afterEach(() => {
  vi.restoreAllMocks();
});

function newAccount(extra: Record<string, unknown>): string {
  accountNumber += 1;
  const id = `digest-${accountNumber}`;
  standIn.setAccount({ id, ...extra });
  return id;
}

async function sync(accountId: string) {
  const { deps, truto } = syncHarness(database, standIn);
  try {
    return await syncAccount(deps, { integratedAccountId: accountId, trigger: 'cli' });
  } finally {
    await truto.close();
  }
}

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const result = await database.pool.query(text, values);
  return result.rows as T[];
}

async function storedState(accountId: string) {
  return query<{ id: string; source_hash: string | null; synced_at: string }>(
    `select id, source_hash, synced_at::text from licenses
     where integrated_account_id = $1 order by id`,
    [accountId],
  );
}

/** Counts the records `JSON.parse` is given while `work` runs: license records only. */
async function recordsParsedDuring(work: () => Promise<unknown>): Promise<number> {
  const parse = vi.spyOn(JSON, 'parse');
  await work();
  const parsed = parse.mock.calls.filter(([text]) => text.includes('"remote_data"'));
  parse.mockRestore();
  return parsed.length;
}

describe('recognising unchanged records by the digest of their bytes', () => {
  it('parses no record of a listing that has not changed since the last sync', async () => {
    const account = newAccount({ licenses: 90 });
    expect(await recordsParsedDuring(() => sync(account))).toBe(90);

    let again: Awaited<ReturnType<typeof sync>> | undefined;
    expect(await recordsParsedDuring(async () => (again = await sync(account)))).toBe(0);
    expect(again?.counts).toMatchObject({ recordsSeen: 90, written: 0, unchanged: 90 });
  });

  it('parses and writes the records that changed, and only those', async () => {
    const account = newAccount({ licenses: 40, seed: 1 });
    await sync(account);
    standIn.setAccount({ id: account, licenses: 40, seed: 2 });

    let changed: Awaited<ReturnType<typeof sync>> | undefined;
    expect(await recordsParsedDuring(async () => (changed = await sync(account)))).toBe(40);
    expect(changed?.counts).toMatchObject({ written: 40, unchanged: 0 });
    expect(await recordsParsedDuring(() => sync(account))).toBe(0);
  });

  it('gives licenses stored without a digest one, without rewriting them', async () => {
    const account = newAccount({ licenses: 30 });
    await sync(account);
    await query('update licenses set source_hash = null where integrated_account_id = $1', [
      account,
    ]);
    const before = await storedState(account);

    const result = await sync(account);
    expect(result.counts).toMatchObject({ written: 0, unchanged: 30 });
    const after = await storedState(account);
    expect(after.map((row) => row.synced_at)).toEqual(before.map((row) => row.synced_at));
    expect(after.every((row) => row.source_hash !== null)).toBe(true);
    expect(await recordsParsedDuring(() => sync(account))).toBe(0);
  });

  it('keeps no digest for a record with a field it could not store, and reports it every time', async () => {
    const account = newAccount({
      records: [
        { id: 'fine', name: 'Seat', remote_data: {} },
        { id: 'odd', name: 'Seat', assigned_quantity: 'many', remote_data: {} },
      ],
    });
    const first = await sync(account);
    const second = await sync(account);

    const stored = await storedState(account);
    expect(stored.map((row) => [row.id, row.source_hash !== null])).toEqual([
      ['fine', true],
      ['odd', false],
    ]);
    for (const run of [first, second]) {
      const rejects = await query<{ license_id: string; field: string }>(
        'select license_id, field from sync_rejects where run_id = $1',
        [run.runId],
      );
      expect(rejects).toEqual([{ license_id: 'odd', field: 'assigned_quantity' }]);
    }
  });

  it('keeps the last copy of a license listed in two adjacent batches, whatever the lookup saw', async () => {
    const original = { id: 'twice', name: 'Original', remote_data: {} };
    const changed = { id: 'twice', name: 'Changed', remote_data: {} };
    const fillers = (from: number, count: number) =>
      Array.from({ length: count }, (_, n) => ({ id: `filler-${from + n}`, remote_data: {} }));
    // The harness cuts batches of 40: the changed copy ends the first, the original
    // starts the second, whose digests are looked up while the first one is written.
    const account = newAccount({ records: [original, ...fillers(0, 60)] });
    await sync(account);
    standIn.setAccount({
      id: account,
      records: [...fillers(0, 39), changed, original, ...fillers(39, 21)],
    });

    const result = await sync(account);
    expect(result.status).toBe('succeeded');
    const [stored] = await query<{ name: string; listed_twice: boolean }>(
      `select name, listed_twice_at is not null as listed_twice from licenses
       where integrated_account_id = $1 and id = 'twice'`,
      [account],
    );
    expect(stored).toEqual({ name: 'Original', listed_twice: true });
  });

  it('refuses a record whose strings are not valid JSON and stores the rest of the page', async () => {
    const account = newAccount({
      records: [
        { id: 'before', remote_data: {} },
        new RawJsonRecord('{"id":"raw-break","name":"line\none","remote_data":{}}'),
        { id: 'after', remote_data: {} },
      ],
    });
    const result = await sync(account);

    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ recordsSeen: 3, written: 2, rejected: 1 });
    const [reject] = await query<{ license_id: string; reason: string }>(
      'select license_id, reason from sync_rejects where run_id = $1',
      [result.runId],
    );
    expect(reject?.license_id).toBe('raw-break');
    expect(reject?.reason).toMatch(/^record is not valid JSON/);
  });
});
