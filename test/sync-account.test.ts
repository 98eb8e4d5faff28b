import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import { syncAccount } from '../src/sync/sync-account.js';
import type { Database } from '../src/store/database.js';
import { createTestDatabase, dumpAllTables } from './support/test-database.js';
import { syncHarness } from './support/sync-harness.js';

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;
let accountNumber = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'secret-token-7f3a9c' });
});

afterAll(async () => {
  await standIn.close();
  await database.drop();
});

afterEach(() => {
  standIn.clearFaults();
});

/** A fresh account on the stand-in for each test, so that tests never share rows. */
function newAccount(licenses: number, extra: Record<string, unknown> = {}): string {
  accountNumber += 1;
  const id = `acct-${accountNumber}`;
  standIn.setAccount({ id, licenses, ...extra });
  return id;
}

async function sync(
  accountId: string,
  options: Parameters<typeof syncHarness>[2] = {},
  full = false,
) {
  const { deps, truto, logs } = syncHarness(database, standIn, options);
  try {
    const result = await syncAccount(deps, {
      integratedAccountId: accountId,
      trigger: 'cli',
      full,
    });
    return { ...result, logs };
  } finally {
    await truto.close();
  }
}

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const result = await database.pool.query(text, values);
  return result.rows as T[];
}

async function licenseCount(accountId: string, where = 'true'): Promise<number> {
  const [row] = await query<{ n: string }>(
    `select count(*) as n from licenses where integrated_account_id = $1 and ${where}`,
    [accountId],
  );
  return Number(row?.n);
}

describe('syncing one account', () => {
  it('stores every license with its products and roles', async () => {
    const account = newAccount(120);
    const result = await sync(account);

    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ pages: 3, recordsSeen: 120, written: 120, rejected: 0 });
    expect(await licenseCount(account)).toBe(120);
    const [children] = await query<{ products: string; roles: string }>(
      `select (select count(*) from license_products where integrated_account_id = $1) as products,
              (select count(*) from license_roles where integrated_account_id = $1) as roles`,
      [account],
    );
    expect(Number(children?.products)).toBe(360);
    expect(Number(children?.roles)).toBe(240);
  });

  it('records a succeeded run with its counts', async () => {
    const account = newAccount(10);
    const result = await sync(account);
    const [run] = await query<Record<string, unknown>>('select * from sync_runs where id = $1', [
      result.runId,
    ]);
    expect(run).toMatchObject({
      status: 'succeeded',
      trigger: 'cli',
      pages: 1,
      records_seen: 10,
      written: 10,
      deleted: 0,
      error: null,
    });
    expect(run?.finished_at).not.toBeNull();
  });

  it('reads every framing of the stream format alike', async () => {
    for (const framing of ['page', 'page-cursor-first', 'array', 'ndjson'] as const) {
      const account = newAccount(75, { framing });
      const result = await sync(account);
      expect(result.status, framing).toBe('succeeded');
      expect(await licenseCount(account), framing).toBe(75);
    }
  });

  it('writes nothing on a re-sync of unchanged data', async () => {
    const account = newAccount(60);
    await sync(account);
    const before = await query<{ synced_at: string }>(
      'select synced_at::text from licenses where integrated_account_id = $1 order by id',
      [account],
    );

    const again = await sync(account);
    expect(again.counts).toMatchObject({ recordsSeen: 60, written: 0, unchanged: 60, deleted: 0 });
    const after = await query<{ synced_at: string }>(
      'select synced_at::text from licenses where integrated_account_id = $1 order by id',
      [account],
    );
    expect(after).toEqual(before);
  });

  it('rewrites changed licenses and moves their synced_at', async () => {
    const account = newAccount(30, { seed: 1 });
    await sync(account);
    standIn.setAccount({ id: account, licenses: 30, seed: 2 });
    const result = await sync(account);
    expect(result.counts).toMatchObject({ written: 30, unchanged: 0 });
  });

  it('stores new licenses beside changed ones, each with only its own products and roles', async () => {
    const account = newAccount(30, { seed: 1 });
    await sync(account);
    standIn.setAccount({ id: account, licenses: 45, seed: 2 });
    const result = await sync(account);

    expect(result.counts).toMatchObject({ written: 45, unchanged: 0 });
    const [children] = await query<{ products: string; roles: string; owners: string }>(
      `select (select count(*) from license_products where integrated_account_id = $1) as products,
              (select count(*) from license_roles where integrated_account_id = $1) as roles,
              (select count(distinct license_id) from license_products
               where integrated_account_id = $1) as owners`,
      [account],
    );
    expect(children).toEqual({ products: '135', roles: '90', owners: '45' });
  });

  it('stores text with tabs, newlines and backslashes exactly as it came', async () => {
    const awkward = 'tab\there\nline \\N\r\\ end';
    const record = {
      id: 'lic\t1',
      name: 'a\tb\nc\\d',
      description: awkward,
      products: [{ id: 'p\\1', name: 'x\ny' }],
      roles: [{ id: 'r\t1', name: '\\N' }],
      remote_data: { note: awkward, quote: 'say "hi"' },
    };
    const account = newAccount(0, { records: [record] });
    await sync(account);

    const [stored] = await query<Record<string, unknown>>(
      `select l.id, l.name, l.description, l.remote_data, p.id as product, p.name as product_name,
              r.id as role, r.name as role_name
       from licenses l
       join license_products p using (integrated_account_id)
       join license_roles r using (integrated_account_id)
       where l.integrated_account_id = $1`,
      [account],
    );
    expect(stored).toEqual({
      id: record.id,
      name: record.name,
      description: awkward,
      remote_data: record.remote_data,
      product: 'p\\1',
      product_name: 'x\ny',
      role: 'r\t1',
      role_name: '\\N',
    });
    const again = await sync(account);
    expect(again.counts).toMatchObject({ written: 0, unchanged: 1 });
  });

  it('marks deleted what a complete listing no longer holds, and revives what comes back', async () => {
    const account = newAccount(50);
    await sync(account);

    standIn.setAccount({ id: account, licenses: 40 });
    const shrunk = await sync(account);
    expect(shrunk.counts.deleted).toBe(10);
    expect(await licenseCount(account, 'deleted_at is not null')).toBe(10);

    standIn.setAccount({ id: account, licenses: 50 });
    const grown = await sync(account);
    expect(grown.counts).toMatchObject({ deleted: 0, written: 10, unchanged: 40 });
    expect(await licenseCount(account, 'deleted_at is not null')).toBe(0);
  });

  it('deletes nothing after a partial response', async () => {
    const account = newAccount(50);
    await sync(account);
    standIn.setAccount({ id: account, licenses: 20 });
    standIn.injectFault({ kind: 'partial', accountId: account });

    const result = await sync(account);
    expect(result.status).toBe('succeeded');
    expect(result.counts.deleted).toBe(0);
    expect(await licenseCount(account, 'deleted_at is null')).toBe(50);
  });

  describe('the same id twice in one listing', () => {
    const filler = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ id: `f-${from + i}`, name: 'filler' }));
    // With batches of 40 and pages of 50, the two copies land in different pages and batches.
    const listing = [
      { id: 'dup', name: 'first' },
      ...filler(0, 60),
      { id: 'dup', name: 'second' },
      ...filler(60, 10),
    ];

    async function dupRow(account: string) {
      const [row] = await query<{ name: string; synced_at: string }>(
        `select name, synced_at::text from licenses where integrated_account_id = $1 and id = 'dup'`,
        [account],
      );
      return row;
    }

    it('keeps the later record', async () => {
      const account = newAccount(0, { records: listing });
      await sync(account);
      expect((await dupRow(account))?.name).toBe('second');
    });

    it('does not make the license look changed on the next sync', async () => {
      const account = newAccount(0, { records: listing });
      await sync(account);
      const before = await dupRow(account);

      const again = await sync(account);
      expect(again.counts).toMatchObject({ written: 0, deleted: 0 });
      expect(await dupRow(account)).toEqual(before);
    });

    it('keeps the later record when both copies sit in one batch', async () => {
      const account = newAccount(0, {
        records: [
          { id: 'dup', name: 'first', products: [{ id: 'p-first' }] },
          { id: 'x' },
          { id: 'dup', name: 'second' },
        ],
      });
      await sync(account);
      const before = await dupRow(account);
      expect(before?.name).toBe('second');
      const marks = await query<{ products: string; listed_twice: boolean }>(
        `select (select count(*) from license_products p
                 where p.integrated_account_id = l.integrated_account_id
                   and p.license_id = l.id)::text as products,
                l.listed_twice_at is not null as listed_twice
         from licenses l where integrated_account_id = $1 and id = 'dup'`,
        [account],
      );
      expect(marks).toEqual([{ products: '0', listed_twice: true }]);
      const again = await sync(account);
      expect(again.counts.written).toBe(0);
      expect(await dupRow(account)).toEqual(before);
    });

    it('stores the single copy once the listing stops repeating it', async () => {
      const account = newAccount(0, { records: listing });
      await sync(account);
      standIn.setAccount({
        id: account,
        records: [{ id: 'dup', name: 'first' }, ...filler(0, 70)],
      });

      const result = await sync(account);
      expect(result.counts).toMatchObject({ written: 1, deleted: 0 });
      expect((await dupRow(account))?.name).toBe('first');
    });
  });

  it('rejects records it cannot store and goes on with the rest', async () => {
    const account = newAccount(0, {
      records: [
        'not an object',
        { name: 'no id' },
        { id: 'huge', blob: 'x'.repeat(200_000) },
        { id: 'ok', name: 'fine\u0000name', assigned_quantity: 'many' },
      ],
    });
    const result = await sync(account);

    expect(result.status).toBe('succeeded');
    expect(result.counts).toMatchObject({ recordsSeen: 4, written: 1, rejected: 3 });
    const rejects = await query<{
      license_id: string | null;
      field: string | null;
      reason: string;
    }>('select license_id, field, reason from sync_rejects where run_id = $1 order by id', [
      result.runId,
    ]);
    expect(rejects.map((r) => [r.license_id, r.field])).toEqual([
      [null, null],
      [null, null],
      ['huge', null],
      ['ok', 'assigned_quantity'],
    ]);
    const [stored] = await query<{ name: string; assigned_quantity: string | null }>(
      `select name, assigned_quantity from licenses where integrated_account_id = $1`,
      [account],
    );
    expect(stored).toEqual({ name: 'finename', assigned_quantity: null });
  });

  it('passes the configured query parameters of the account and its integration', async () => {
    const account = newAccount(5);
    await sync(account, {
      queryParams: {
        integrations: {},
        accounts: { [account]: { product: 'onedrive', 'remote_query[team]': 'a' } },
      },
    });
    const request = standIn.requests.find(
      (r) => r.accountId === account && r.path.includes('licenses'),
    );
    expect(request?.query).toMatchObject({ product: 'onedrive', 'remote_query[team]': 'a' });
  });

  it('never stores the API token', async () => {
    const account = newAccount(5);
    const result = await sync(account);
    expect(result.status).toBe('succeeded');
    expect(await dumpAllTables(database)).not.toContain(standIn.token);
  });
});
