import { sql } from 'drizzle-orm';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import { copyNewLicenses } from './copy-rows.js';
import type { Db } from './database.js';
import { markUsageStale } from './usage-daily.js';

/**
 * The statements that write licenses, each for a whole batch at once: every column travels
 * as one array and UNNEST turns them back into rows, so the bound parameters stay at a dozen
 * whatever the batch size (drizzle's insert builder binds one per value and breaks past
 * about 100k).
 *
 * Note: rows are found by a batch of ids through `rowsOf`, which looks each id up in the key
 * on its own (`lateral`), then updates or deletes by row address. Without statistics (a new
 * account, a freshly filled table, no autovacuum) Postgres otherwise reads every row of the
 * account for each batch: with `id = any(ids)` it uses only the first column of the key, and
 * a join with `unnest(ids)` turns into a hash join over the whole account once it holds some
 * thousands of licenses (200 ms a batch at 100,000, growing with the account).
 */

/**
 * How licenses that are not stored yet are loaded: with COPY, or with the upsert that stored
 * ones take. COPY is the faster by far; the upsert serves servers that speak Postgres's
 * protocol without COPY, such as the demo's embedded PGlite, and writes of a few licenses.
 */
export type NewLicenseLoad = 'copy' | 'upsert';

/**
 * Inserts or overwrites the licenses and replaces their products and roles. `stored` names
 * those already in the table: their old products and roles are removed, and they are
 * upserted; the others are loaded as `load` says.
 */
export async function writeLicenses(
  tx: Db,
  accountId: string,
  items: NormalizedLicense[],
  stored: { has(id: string): boolean },
  load: NewLicenseLoad,
) {
  if (items.length === 0) return;
  await markUsageStale(tx, accountId);
  const fresh: NormalizedLicense[] = [];
  const replaced: NormalizedLicense[] = [];
  for (const item of items) (stored.has(item.license.id) ? replaced : fresh).push(item);
  if (load === 'copy') await copyNewLicenses(tx, accountId, fresh);
  const upserted = load === 'copy' ? replaced : items;
  if (upserted.length === 0) return;
  await upsertLicenses(tx, accountId, upserted);
  await deleteChildren(tx, accountId, replaced);
  await insertChildren(tx, accountId, upserted);
}

/**
 * Marks licenses as seen by the running pass, the one write an unchanged license gets: the
 * pass's deletions are the licenses whose `last_seen_at` is older than the pass.
 */
export async function touchLastSeen(tx: Db, accountId: string, ids: string[]) {
  if (ids.length === 0) return;
  await tx.execute(sql`
    update licenses set last_seen_at = now()
    where ctid = any(${rowsOf('licenses', 'id', accountId, ids)})
  `);
}

/**
 * Marks licenses as seen, like `touchLastSeen`, and gives them the digest of the bytes they
 * came in this time: their content is unchanged, so those bytes now give the stored rows.
 * Rare but for the first pass after the digest was introduced, or its version changed.
 */
export async function rehashSources(
  tx: Db,
  accountId: string,
  entries: { id: string; sourceHash: string | null }[],
) {
  if (entries.length === 0) return;
  await tx.execute(sql`
    update licenses set last_seen_at = now(), source_hash = input.source_hash
    from unnest(
      ${sql.param(entries.map((entry) => entry.id))}::text[],
      ${sql.param(entries.map((entry) => entry.sourceHash))}::text[]
    ) as input(id, source_hash)
    where ctid = any(${rowsOf(
      'licenses',
      'id',
      accountId,
      entries.map((entry) => entry.id),
    )})
      and licenses.id = input.id
  `);
}

/** Notes that a listing returned these licenses more than once. */
export async function markListedTwice(tx: Db, accountId: string, ids: string[]) {
  if (ids.length === 0) return;
  await tx.execute(sql`
    update licenses set listed_twice_at = now()
    where ctid = any(${rowsOf('licenses', 'id', accountId, ids)})
  `);
}

async function upsertLicenses(tx: Db, accountId: string, items: NormalizedLicense[]) {
  const column = <K extends keyof NormalizedLicense['license']>(key: K) =>
    sql.param(items.map((item) => item.license[key]));
  const isPaid = items.map(({ license }) =>
    license.isPaid === null ? null : String(license.isPaid),
  );

  await tx.execute(sql`
    insert into licenses as l (
      integrated_account_id, id, name, description, status, is_paid, currency, unit_amount,
      assigned_quantity, available_quantity, remote_created_at, remote_updated_at,
      remote_data, content_hash, source_hash, first_seen_at, last_seen_at, synced_at,
      deleted_at)
    select ${accountId}, id, name, description, status, is_paid::boolean, currency,
           unit_amount::numeric, assigned_quantity::bigint, available_quantity::bigint,
           remote_created_at::timestamptz, remote_updated_at::timestamptz, remote_data::jsonb,
           content_hash, source_hash, now(), now(), now(), null
    from unnest(
      ${column('id')}::text[], ${column('name')}::text[], ${column('description')}::text[],
      ${column('status')}::text[], ${sql.param(isPaid)}::text[], ${column('currency')}::text[],
      ${column('unitAmount')}::text[], ${column('assignedQuantity')}::text[],
      ${column('availableQuantity')}::text[], ${column('remoteCreatedAt')}::text[],
      ${column('remoteUpdatedAt')}::text[], ${column('remoteData')}::text[],
      ${column('contentHash')}::text[], ${sql.param(items.map((item) => item.sourceHash))}::text[]
    ) as input(id, name, description, status, is_paid, currency, unit_amount,
               assigned_quantity, available_quantity, remote_created_at, remote_updated_at,
               remote_data, content_hash, source_hash)
    on conflict (integrated_account_id, id) do update set
      name = excluded.name, description = excluded.description, status = excluded.status,
      is_paid = excluded.is_paid, currency = excluded.currency,
      unit_amount = excluded.unit_amount, assigned_quantity = excluded.assigned_quantity,
      available_quantity = excluded.available_quantity,
      remote_created_at = excluded.remote_created_at,
      remote_updated_at = excluded.remote_updated_at, remote_data = excluded.remote_data,
      content_hash = excluded.content_hash, source_hash = excluded.source_hash,
      last_seen_at = now(), synced_at = now(),
      deleted_at = null
  `);
}

/** A changed license's products and roles are replaced whole: the listing is the truth. */
async function deleteChildren(tx: Db, accountId: string, items: NormalizedLicense[]) {
  if (items.length === 0) return;
  const ids = items.map((item) => item.license.id);
  for (const table of ['license_products', 'license_roles'] as const) {
    await tx.execute(sql`
      delete from ${sql.identifier(table)}
      where ctid = any(${rowsOf(table, 'license_id', accountId, ids)})
    `);
  }
}

/**
 * The addresses of the account's rows of `table` whose `column` is one of `ids`, each id
 * looked up through the key on its own (see the note at the top). Row addresses hold within
 * the statement that reads them.
 */
function rowsOf(
  table: 'licenses' | 'license_products' | 'license_roles',
  column: 'id' | 'license_id',
  accountId: string,
  ids: string[],
) {
  const limit = column === 'id' ? sql`limit 1` : sql``;
  return sql`array(
    select found.ctid from unnest(${sql.param(ids)}::text[]) as input(id)
    cross join lateral (
      select ctid from ${sql.identifier(table)}
      where integrated_account_id = ${accountId} and ${sql.identifier(column)} = input.id
      ${limit}
    ) found
  )`;
}

async function insertChildren(tx: Db, accountId: string, items: NormalizedLicense[]) {
  const products = items.flatMap(({ license, products }) =>
    products.map((product) => ({ licenseId: license.id, ...product })),
  );
  const roles = items.flatMap(({ license, roles }) =>
    roles.map((role) => ({ licenseId: license.id, ...role })),
  );
  if (products.length > 0) {
    await tx.execute(sql`
      insert into license_products (integrated_account_id, license_id, id, name, status)
      select ${accountId}, * from unnest(
        ${sql.param(products.map((p) => p.licenseId))}::text[],
        ${sql.param(products.map((p) => p.id))}::text[],
        ${sql.param(products.map((p) => p.name))}::text[],
        ${sql.param(products.map((p) => p.status))}::text[])
    `);
  }
  if (roles.length > 0) {
    await tx.execute(sql`
      insert into license_roles (integrated_account_id, license_id, id, name)
      select ${accountId}, * from unnest(
        ${sql.param(roles.map((r) => r.licenseId))}::text[],
        ${sql.param(roles.map((r) => r.id))}::text[],
        ${sql.param(roles.map((r) => r.name))}::text[])
    `);
  }
}
