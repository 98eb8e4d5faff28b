import { sql, type SQL } from 'drizzle-orm';
import type { Db } from './database.js';

export interface UsageDay {
  integratedAccountId: string;
  runId: number;
  /** The day of the rows is the UTC date on which this pass (or refresh) started. */
  passStartedAt: string;
  /** Set for a refresh: only this license's row changes. */
  licenseId?: string;
}

/**
 * Records the day's usage at the end of a pass, unless the day's rows already match the
 * licenses: they were recorded for the same day, and no license of the account was written or
 * deleted since (see `markUsageStale`). A re-sync of unchanged data then reads none of the
 * account's licenses or usage rows here, which cost it a third of its time at 100,000.
 *
 * On the next day, the same condition lets the rows be copied from the day before. Only from
 * the day before: the older a day, the likelier that its rows were pruned since, and a copy
 * of a pruned day would pass its gap on to every day after.
 */
export async function recordPassUsage(db: Db, usage: UsageDay): Promise<void> {
  const day = usageDay(usage);
  const result = await db.execute<{ current: boolean; day_before: string | null }>(sql`
    select usage_recorded_for = ${day} as current,
           case when usage_recorded_for = ${day} - 1 then usage_recorded_for::text end
             as day_before
    from integrated_accounts where id = ${usage.integratedAccountId}
  `);
  const recorded = result.rows[0];
  if (recorded?.current !== true) await recordDailyUsage(db, usage, recorded?.day_before);
  await db.execute(sql`
    update integrated_accounts set usage_recorded_for = ${day}
    where id = ${usage.integratedAccountId}
  `);
}

/**
 * Notes that the account's licenses changed, so that the next pass records its day's usage
 * again: called in each transaction that writes or deletes licenses. Every writer of an
 * account holds its lock, so no write can fall between a pass's check and its recording.
 */
export async function markUsageStale(db: Db, integratedAccountId: string): Promise<void> {
  await db.execute(sql`
    update integrated_accounts set usage_recorded_for = null
    where id = ${integratedAccountId} and usage_recorded_for is not null
  `);
}

/**
 * Records the day's usage of the account's live licenses, in the transaction that completes
 * a successful run. It replaces what an earlier run of the same day wrote, so running it
 * twice leaves the same rows, and a license that is no longer live loses its row for the day.
 * A row whose figures did not change is left alone (its `run_id` stays that of the run that
 * wrote them): a second run of the day then costs reads, not a rewrite of every row.
 *
 * `matchingDay`, where given, is a day whose rows still match the licenses as stored (the
 * account's `usage_recorded_for`): a new day's rows are then copied from those.
 */
export async function recordDailyUsage(
  db: Db,
  usage: UsageDay,
  matchingDay: string | null = null,
): Promise<void> {
  // The first recording of a day, as each night's is, has nothing to drop or compare with: a
  // plain insert costs two thirds of the upsert (0.6-0.9 s against 1-1.2 s at 100,000).
  if (!(await hasRowsOfDay(db, usage))) {
    const source = matchingDay === null ? liveLicenses(usage) : rowsOfDay(usage, matchingDay);
    await writeRows(db, usage, source, sql``);
    return;
  }
  await dropRowsNoLongerLive(db, usage);
  await writeRows(db, usage, liveLicenses(usage), replaceChangedRows);
}

async function hasRowsOfDay(db: Db, usage: UsageDay): Promise<boolean> {
  const result = await db.execute<{ found: boolean }>(sql`
    select exists (
      select 1 from license_usage_daily u
      where u.day = ${usageDay(usage)}
        and u.integrated_account_id = ${usage.integratedAccountId}
        and ${onlyLicense(sql.raw('u.license_id'), usage)}
    ) as found
  `);
  return result.rows[0]?.found === true;
}

function dropRowsNoLongerLive(db: Db, usage: UsageDay) {
  return db.execute(sql`
    delete from license_usage_daily u
    where u.integrated_account_id = ${usage.integratedAccountId}
      and u.day = ${usageDay(usage)}
      and ${onlyLicense(sql.raw('u.license_id'), usage)}
      and not exists (
        select 1 from licenses l
        where l.integrated_account_id = u.integrated_account_id
          and l.id = u.license_id
          and l.deleted_at is null)
  `);
}

function writeRows(db: Db, usage: UsageDay, source: SQL, onConflict: SQL) {
  return db.execute(sql`
    insert into license_usage_daily as u (
      integrated_account_id, license_id, day, name, status, is_paid, currency, unit_amount,
      assigned_quantity, available_quantity, run_id, recorded_at)
    select
      r.integrated_account_id, r.license_id, ${usageDay(usage)}, r.name, r.status, r.is_paid,
      r.currency, r.unit_amount, r.assigned_quantity, r.available_quantity, ${usage.runId}, now()
    from (${source}) r
    ${onConflict}
  `);
}

/** The figures of the account's live licenses, as stored. */
const liveLicenses = (usage: UsageDay) => sql`
  select l.integrated_account_id, l.id as license_id, l.name, l.status, l.is_paid, l.currency,
         l.unit_amount, l.assigned_quantity, l.available_quantity
  from licenses l
  where l.integrated_account_id = ${usage.integratedAccountId}
    and l.deleted_at is null
    and ${onlyLicense(sql.raw('l.id'), usage)}
`;

/**
 * The figures of another day's rows, for a day whose rows match the licenses. They are read
 * by the key's leading day and account, in rows a tenth the width of a license's: the night's
 * recording took 0.45-0.5 s this way against 0.55-0.63 s from the licenses, at 100,000.
 */
const rowsOfDay = (usage: UsageDay, day: string) => sql`
  select e.integrated_account_id, e.license_id, e.name, e.status, e.is_paid, e.currency,
         e.unit_amount, e.assigned_quantity, e.available_quantity
  from license_usage_daily e
  where e.day = ${day}::date
    and e.integrated_account_id = ${usage.integratedAccountId}
    and ${onlyLicense(sql.raw('e.license_id'), usage)}
`;

/** A row whose figures did not change keeps its `run_id` and `recorded_at`. */
const replaceChangedRows = sql`
  on conflict (integrated_account_id, license_id, day) do update set
    name = excluded.name,
    status = excluded.status,
    is_paid = excluded.is_paid,
    currency = excluded.currency,
    unit_amount = excluded.unit_amount,
    assigned_quantity = excluded.assigned_quantity,
    available_quantity = excluded.available_quantity,
    run_id = excluded.run_id,
    recorded_at = excluded.recorded_at
  where (u.name, u.status, u.is_paid, u.currency, u.unit_amount,
         u.assigned_quantity, u.available_quantity)
    is distinct from (excluded.name, excluded.status, excluded.is_paid, excluded.currency,
         excluded.unit_amount, excluded.assigned_quantity, excluded.available_quantity)
`;

const usageDay = (usage: UsageDay) =>
  sql`(${usage.passStartedAt}::timestamptz at time zone 'UTC')::date`;

const onlyLicense = (column: SQL, usage: UsageDay) =>
  usage.licenseId === undefined ? sql`true` : sql`${column} = ${usage.licenseId}`;
