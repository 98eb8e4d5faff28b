import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateLicense } from '../src/stand-in/license-generator.js';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import type { Database } from '../src/store/database.js';
import { refreshLicense } from '../src/sync/refresh-license.js';
import { syncAccount } from '../src/sync/sync-account.js';
import { syncHarness } from './support/sync-harness.js';
import { createTestDatabase } from './support/test-database.js';

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;
let accountNumber = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'usage-token' });
});

afterAll(async () => {
  await standIn.close();
  await database.drop();
});

afterEach(() => {
  standIn.clearFaults();
});

function newAccount(definition: { licenses?: number; records?: unknown[] }): string {
  accountNumber += 1;
  const id = `usage-${accountNumber}`;
  standIn.setAccount({ id, ...definition });
  return id;
}

async function withHarness<T>(work: (deps: ReturnType<typeof syncHarness>['deps']) => Promise<T>) {
  const { deps, truto } = syncHarness(database, standIn);
  try {
    return await work(deps);
  } finally {
    await truto.close();
  }
}

const sync = (integratedAccountId: string) =>
  withHarness((deps) => syncAccount(deps, { integratedAccountId, trigger: 'cli' }));

const refresh = (integratedAccountId: string, licenseId: string) =>
  withHarness((deps) => refreshLicense(deps, { integratedAccountId, licenseId, trigger: 'cli' }));

async function query<T>(text: string, values: unknown[] = []): Promise<T[]> {
  const result = await database.pool.query(text, values);
  return result.rows as T[];
}

interface UsageRow {
  license_id: string;
  day: string;
  assigned_quantity: string | null;
  available_quantity: string | null;
  unit_amount: string | null;
  run_id: string;
}

const usageRows = (accountId: string) =>
  query<UsageRow>(
    `select license_id, day::text, assigned_quantity, available_quantity, unit_amount, run_id
     from license_usage_daily where integrated_account_id = $1 order by license_id`,
    [accountId],
  );

/** The stored licenses in the shape of their usage rows, to compare the two. */
const licenseFacts = (accountId: string) =>
  query<Omit<UsageRow, 'day' | 'run_id'>>(
    `select id as license_id, assigned_quantity, available_quantity, unit_amount
     from licenses where integrated_account_id = $1 and deleted_at is null order by id`,
    [accountId],
  );

const passDay = async (runId: number) => {
  const [row] = await query<{ day: string }>(
    `select (pass_started_at at time zone 'UTC')::date::text as day from sync_runs where id = $1`,
    [runId],
  );
  return row?.day;
};

/** The day whose usage rows the account's row says match its licenses. */
const recordedFor = async (accountId: string) => {
  const [row] = await query<{ day: string | null }>(
    'select usage_recorded_for::text as day from integrated_accounts where id = $1',
    [accountId],
  );
  return row?.day;
};

/** The usage rows of the day a run's pass started on. */
const rowsOfRunDay = async (accountId: string, runId: number) => {
  const day = await passDay(runId);
  return (await usageRows(accountId)).filter((row) => row.day === day);
};

/** Usage rows in the shape of `licenseFacts`, to compare the two. */
const factsOf = (rows: UsageRow[]) => rows.map(({ day: _day, run_id: _run, ...rest }) => rest);

/** Gives one usage row figures that no record has: where they show up, they were copied. */
const doctorUsageRow = (accountId: string, licenseId: string) =>
  query(
    `update license_usage_daily set assigned_quantity = 999
     where integrated_account_id = $1 and license_id = $2`,
    [accountId, licenseId],
  );

/** Makes the account's recorded usage `days` older, so that its next pass is a new day's. */
async function moveUsageBack(accountId: string, days = 1) {
  await query(
    'update license_usage_daily set day = day - $2::int where integrated_account_id = $1',
    [accountId, days],
  );
  await query(
    `update integrated_accounts set usage_recorded_for = usage_recorded_for - $2::int
     where id = $1`,
    [accountId, days],
  );
}

describe('license_usage_daily', () => {
  it('holds one row per live license, dated by the pass start, after a successful run', async () => {
    const account = newAccount({ licenses: 60 });
    const result = await sync(account);

    expect(result.status).toBe('succeeded');
    const rows = await usageRows(account);
    expect(rows).toHaveLength(60);
    const day = await passDay(result.runId);
    expect(new Set(rows.map((row) => row.day))).toEqual(new Set([day]));
    expect(new Set(rows.map((row) => row.run_id))).toEqual(new Set([String(result.runId)]));
    const facts = factsOf(rows);
    expect(facts).toEqual(await licenseFacts(account));
  });

  it('overwrites the day on a second run the same day, with what that run found', async () => {
    const account = newAccount({ licenses: 30 });
    await sync(account);
    standIn.setAccount({ id: account, licenses: 30, seed: 2 });
    const second = await sync(account);

    const rows = await usageRows(account);
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((row) => row.run_id))).toEqual(new Set([String(second.runId)]));
    const facts = factsOf(rows);
    expect(facts).toEqual(await licenseFacts(account));
  });

  it('leaves the day’s rows alone when a second run finds nothing changed', async () => {
    const account = newAccount({ licenses: 30 });
    const first = await sync(account);
    const before = await usageRows(account);
    const second = await sync(account);

    expect(second.status).toBe('succeeded');
    expect(await usageRows(account)).toEqual(before);
    expect(new Set(before.map((row) => row.run_id))).toEqual(new Set([String(first.runId)]));
  });

  it('does not record the day again when no license changed since it was recorded', async () => {
    const account = newAccount({ licenses: 30 });
    const first = await sync(account);
    // Rows are only ever written by a pass or a refresh; this one stands for a row that a
    // needless recording would rewrite.
    await query(
      `update license_usage_daily set assigned_quantity = 999
       where integrated_account_id = $1 and license_id = 'lic-1'`,
      [account],
    );
    const second = await sync(account);

    expect(second.counts).toMatchObject({ written: 0, deleted: 0 });
    const [row] = (await usageRows(account)).filter((r) => r.license_id === 'lic-1');
    expect(row?.assigned_quantity).toBe('999');
    expect(await recordedFor(account)).toBe(await passDay(first.runId));
  });

  it('copies a new day’s rows from the day before when no license changed since', async () => {
    const account = newAccount({ licenses: 30 });
    await sync(account);
    // As in the test above, a doctored row tells where the new day's rows were read from.
    await doctorUsageRow(account, 'lic-1');
    await moveUsageBack(account);
    const next = await sync(account);

    const rows = await rowsOfRunDay(account, next.runId);
    expect(rows).toHaveLength(30);
    expect(rows.find((row) => row.license_id === 'lic-1')?.assigned_quantity).toBe('999');
    expect(new Set(rows.map((row) => row.run_id))).toEqual(new Set([String(next.runId)]));
    expect(await usageRows(account)).toHaveLength(60);
    expect(await recordedFor(account)).toBe(await passDay(next.runId));
  });

  it('records a new day from the licenses when one changed since the day before', async () => {
    const account = newAccount({ licenses: 30 });
    await sync(account);
    await doctorUsageRow(account, 'lic-1');
    await moveUsageBack(account);
    standIn.setAccount({ id: account, licenses: 30, seed: 5 });
    const next = await sync(account);

    expect(factsOf(await rowsOfRunDay(account, next.runId))).toEqual(await licenseFacts(account));
  });

  it('records a new day from the licenses when the day recorded last is older than the day before', async () => {
    const account = newAccount({ licenses: 30 });
    await sync(account);
    // Days before yesterday may have been pruned: their rows are not trusted to be whole.
    await doctorUsageRow(account, 'lic-1');
    await moveUsageBack(account, 3);
    const next = await sync(account);

    expect(factsOf(await rowsOfRunDay(account, next.runId))).toEqual(await licenseFacts(account));
  });

  it('records the day again after a failed run changed licenses', async () => {
    const account = newAccount({ licenses: 120 });
    await sync(account);
    // Only the first page (50) changes, and the run fails on the second: the run that
    // resumes it writes nothing, so only the failed run's writes can tell the day is stale.
    const records = Array.from({ length: 120 }, (_, index) =>
      generateLicense(account, index, index < 50 ? 2 : 1),
    );
    standIn.setAccount({ id: account, records });
    standIn.injectFault({ kind: 'status', status: 400, accountId: account, withCursor: true });
    const failed = await sync(account);
    expect(failed).toMatchObject({ status: 'failed', counts: { written: 50 } });
    expect(await recordedFor(account)).toBeNull();

    standIn.clearFaults();
    const resumed = await sync(account);

    expect(resumed).toMatchObject({ status: 'succeeded', counts: { written: 0 } });
    const facts = factsOf(await usageRows(account));
    expect(facts).toEqual(await licenseFacts(account));
  });

  it('records the day again after a refresh changed a license', async () => {
    const account = newAccount({ licenses: 10 });
    await sync(account);
    standIn.setAccount({ id: account, licenses: 10, seed: 4 });
    await refresh(account, 'lic-2');

    expect(await recordedFor(account)).toBeNull();
    await sync(account);
    const facts = factsOf(await usageRows(account));
    expect(facts).toEqual(await licenseFacts(account));
  });

  it('drops the day’s row of a license that run deleted, and keeps it out of the views', async () => {
    const account = newAccount({ licenses: 50 });
    await sync(account);
    standIn.setAccount({ id: account, licenses: 40 });
    const shrunk = await sync(account);

    expect(shrunk.counts.deleted).toBe(10);
    expect(await usageRows(account)).toHaveLength(40);
    const [live] = await query<{ n: number }>(
      'select count(*)::int as n from license_utilization where integrated_account_id = $1',
      [account],
    );
    expect(live?.n).toBe(40);
    const [summary] = await query<{ licenses: number }>(
      `select sum(licenses)::int as licenses from license_account_summary
       where integrated_account_id = $1`,
      [account],
    );
    expect(summary?.licenses).toBe(40);
  });

  it('updates only the refreshed license’s row on a refresh', async () => {
    const account = newAccount({ licenses: 20 });
    const first = await sync(account);
    standIn.setAccount({ id: account, licenses: 20, seed: 3 });
    const refreshed = await refresh(account, 'lic-4');

    expect(refreshed.status).toBe('succeeded');
    const rows = await usageRows(account);
    expect(rows).toHaveLength(20);
    const byRun = (runId: number) => rows.filter((row) => row.run_id === String(runId));
    expect(byRun(refreshed.runId).map((row) => row.license_id)).toEqual(['lic-4']);
    expect(byRun(first.runId)).toHaveLength(19);
    const [stored] = (await licenseFacts(account)).filter((row) => row.license_id === 'lic-4');
    expect(byRun(refreshed.runId)[0]).toMatchObject(stored ?? {});
  });

  it('gets no row from a run that fails, even after it stored licenses', async () => {
    const account = newAccount({ licenses: 120 });
    standIn.injectFault({ kind: 'status', status: 400, accountId: account, withCursor: true });
    const result = await sync(account);

    expect(result.status).toBe('failed');
    expect(result.counts.written).toBeGreaterThan(0);
    expect(await usageRows(account)).toEqual([]);
  });

  it('gets no row from a refresh that fails', async () => {
    const account = newAccount({ licenses: 5 });
    const result = await refresh(account, 'no-such-license');

    expect(result.status).toBe('failed');
    expect(await usageRows(account)).toEqual([]);
  });
});

describe('the utilization views', () => {
  // Known data: quantities as numbers and numeric strings, over-assigned, missing quantities,
  // missing price, an unpaid license, a second currency, and nothing available.
  const records = [
    {
      id: 'a',
      currency: 'USD',
      unit_amount: '12.50',
      assigned_quantity: 7,
      available_quantity: 10,
    },
    {
      id: 'b',
      currency: 'USD',
      unit_amount: 12.5,
      assigned_quantity: '12',
      available_quantity: 10,
    },
    { id: 'c', currency: 'USD', unit_amount: 3, available_quantity: 20 },
    { id: 'd', currency: 'USD', assigned_quantity: 1, available_quantity: 4 },
    {
      id: 'e',
      currency: 'USD',
      is_paid: false,
      unit_amount: 5,
      assigned_quantity: 2,
      available_quantity: 5,
    },
    { id: 'f', currency: 'EUR', unit_amount: 10, assigned_quantity: 3, available_quantity: 3 },
    { id: 'g', currency: 'EUR', unit_amount: 10, assigned_quantity: 0, available_quantity: 0 },
  ];

  it('computes idle seats, utilization and monthly costs per license', async () => {
    const account = newAccount({ records });
    await sync(account);

    const rows = await query(
      `select license_id, idle_seats::int, utilization::text, assigned_monthly_cost::text,
              idle_monthly_cost::text
       from license_utilization where integrated_account_id = $1 order by license_id`,
      [account],
    );
    const row = (
      license_id: string,
      idle_seats: number | null,
      utilization: string | null,
      assigned_monthly_cost: string | null,
      idle_monthly_cost: string | null,
    ) => ({ license_id, idle_seats, utilization, assigned_monthly_cost, idle_monthly_cost });
    expect(rows).toEqual([
      row('a', 3, '0.7000', '87.50', '37.50'),
      row('b', 0, '1.2000', '150.0', '0.0'),
      row('c', null, null, null, null),
      row('d', 3, '0.2500', null, null),
      row('e', 3, '0.4000', '0', '0'),
      row('f', 0, '1.0000', '30', '0'),
      row('g', 0, null, '0', '0'),
    ]);
  });

  it('sums per account and currency, counting what the sums cover', async () => {
    const account = newAccount({ records });
    await sync(account);

    const rows = await query(
      `select currency, licenses::int, licenses_with_seats::int, priced_licenses::int,
              assigned_seats::int, available_seats::int, idle_seats::int, utilization::text,
              assigned_monthly_cost::text, idle_monthly_cost::text
       from license_account_summary where integrated_account_id = $1 order by currency`,
      [account],
    );
    expect(rows).toEqual([
      {
        currency: 'EUR',
        licenses: 2,
        licenses_with_seats: 2,
        priced_licenses: 2,
        assigned_seats: 3,
        available_seats: 3,
        idle_seats: 0,
        utilization: '1.0000',
        assigned_monthly_cost: '30',
        idle_monthly_cost: '0',
      },
      {
        currency: 'USD',
        licenses: 5,
        licenses_with_seats: 4,
        priced_licenses: 3,
        assigned_seats: 22,
        available_seats: 29,
        idle_seats: 9,
        utilization: '0.7586',
        assigned_monthly_cost: '237.50',
        idle_monthly_cost: '37.50',
      },
    ]);
  });

  it('shows the same figures day by day in license_usage_trend', async () => {
    const account = newAccount({ records });
    await sync(account);

    const [trend] = await query<{ cost: string; idle: number }>(
      `select sum(assigned_monthly_cost)::text as cost, sum(idle_seats)::int as idle
       from license_usage_trend where integrated_account_id = $1 and currency = 'USD'
       group by day`,
      [account],
    );
    expect(trend).toEqual({ cost: '237.50', idle: 9 });
  });
});
