import { sql } from 'drizzle-orm';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import { saveCheckpoint, type Checkpoint } from './checkpoints.js';
import type { Db } from './database.js';
import { saveRunCounts, type RunCounts } from './runs.js';

/** A record, or one of its fields, that could not be stored as it came. */
export interface RejectRow {
  licenseId: string | null;
  /** `null` when the whole record was rejected. */
  field: string | null;
  reason: string;
  value: string;
}

export interface Batch {
  /** At most one entry per license id. */
  licenses: NormalizedLicense[];
  rejects: RejectRow[];
  /** Set on a page's last batch: committed with it, so that a resumed pass starts after it. */
  checkpoint?: Checkpoint;
}

export interface BatchTarget {
  runId: number;
  integratedAccountId: string;
  passStartedAt: string;
  /** The run's counts before this batch's writes; stored with the batch's added. */
  counts: RunCounts;
}

export interface BatchOutcome {
  written: number;
  unchanged: number;
}

// A type, not an interface: drizzle's row type needs an index signature.
type StoredState = {
  id: string;
  content_hash: string;
  deleted: boolean;
  seen_in_pass: boolean;
};

/**
 * Writes one batch in one transaction: the licenses whose content changed (with their
 * products and roles replaced), a `last_seen_at` touch for the unchanged ones this pass had
 * not seen yet, the rejects, the run's counts and, on a page's last batch, the checkpoint.
 * An unchanged license is never rewritten: its `synced_at` stays, and so do its products.
 */
export async function writeBatch(db: Db, target: BatchTarget, batch: Batch): Promise<BatchOutcome> {
  return db.transaction(async (tx) => {
    const stored = await readStoredState(tx, target, batch.licenses);
    const changed = batch.licenses.filter((item) => isChanged(item, stored));
    const unseen = batch.licenses.filter(
      (item) => !isChanged(item, stored) && stored.get(item.license.id)?.seen_in_pass === false,
    );

    await upsertLicenses(tx, target.integratedAccountId, changed);
    await replaceChildren(tx, target.integratedAccountId, changed);
    await touchLastSeen(tx, target.integratedAccountId, unseen);
    await insertRejects(tx, target, batch.rejects);

    const outcome = { written: changed.length, unchanged: batch.licenses.length - changed.length };
    await saveRunCounts(tx, target.runId, countBatch(target.counts, outcome));
    if (batch.checkpoint) await saveCheckpoint(tx, target.integratedAccountId, batch.checkpoint);
    return outcome;
  });
}

/** Adds this batch's outcome to the run's counts, for the caller to hand to the next batch. */
export function countBatch(counts: RunCounts, outcome: BatchOutcome): RunCounts {
  return {
    ...counts,
    written: counts.written + outcome.written,
    unchanged: counts.unchanged + outcome.unchanged,
  };
}

function isChanged(item: NormalizedLicense, stored: Map<string, StoredState>): boolean {
  const state = stored.get(item.license.id);
  return state === undefined || state.deleted || state.content_hash !== item.license.contentHash;
}

async function readStoredState(
  tx: Db,
  target: BatchTarget,
  items: NormalizedLicense[],
): Promise<Map<string, StoredState>> {
  if (items.length === 0) return new Map();
  const ids = items.map((item) => item.license.id);
  const result = await tx.execute<StoredState>(sql`
    select id, content_hash, deleted_at is not null as deleted,
           last_seen_at >= ${target.passStartedAt}::timestamptz as seen_in_pass
    from licenses
    where integrated_account_id = ${target.integratedAccountId} and id = any(${sql.param(ids)})
  `);
  return new Map(result.rows.map((row) => [row.id, row]));
}

/**
 * One statement for the whole batch: the columns travel as one array each and UNNEST turns
 * them back into rows, which keeps the bound parameters at 14 whatever the batch size.
 */
async function upsertLicenses(tx: Db, accountId: string, items: NormalizedLicense[]) {
  if (items.length === 0) return;
  const column = <K extends keyof NormalizedLicense['license']>(key: K) =>
    sql.param(items.map((item) => item.license[key]));
  const isPaid = items.map(({ license }) =>
    license.isPaid === null ? null : String(license.isPaid),
  );

  await tx.execute(sql`
    insert into licenses as l (
      integrated_account_id, id, name, description, status, is_paid, currency, unit_amount,
      assigned_quantity, available_quantity, remote_created_at, remote_updated_at,
      remote_data, content_hash, first_seen_at, last_seen_at, synced_at, deleted_at)
    select ${accountId}, id, name, description, status, is_paid::boolean, currency,
           unit_amount::numeric, assigned_quantity::bigint, available_quantity::bigint,
           remote_created_at::timestamptz, remote_updated_at::timestamptz, remote_data::jsonb,
           content_hash, now(), now(), now(), null
    from unnest(
      ${column('id')}::text[], ${column('name')}::text[], ${column('description')}::text[],
      ${column('status')}::text[], ${sql.param(isPaid)}::text[], ${column('currency')}::text[],
      ${column('unitAmount')}::text[], ${column('assignedQuantity')}::text[],
      ${column('availableQuantity')}::text[], ${column('remoteCreatedAt')}::text[],
      ${column('remoteUpdatedAt')}::text[], ${column('remoteData')}::text[],
      ${column('contentHash')}::text[]
    ) as input(id, name, description, status, is_paid, currency, unit_amount,
               assigned_quantity, available_quantity, remote_created_at, remote_updated_at,
               remote_data, content_hash)
    on conflict (integrated_account_id, id) do update set
      name = excluded.name, description = excluded.description, status = excluded.status,
      is_paid = excluded.is_paid, currency = excluded.currency,
      unit_amount = excluded.unit_amount, assigned_quantity = excluded.assigned_quantity,
      available_quantity = excluded.available_quantity,
      remote_created_at = excluded.remote_created_at,
      remote_updated_at = excluded.remote_updated_at, remote_data = excluded.remote_data,
      content_hash = excluded.content_hash, last_seen_at = now(), synced_at = now(),
      deleted_at = null
  `);
}

/** A changed license's products and roles are replaced whole: the listing is the truth. */
async function replaceChildren(tx: Db, accountId: string, items: NormalizedLicense[]) {
  if (items.length === 0) return;
  const ids = sql.param(items.map((item) => item.license.id));
  await tx.execute(sql`
    delete from license_products where integrated_account_id = ${accountId} and license_id = any(${ids})
  `);
  await tx.execute(sql`
    delete from license_roles where integrated_account_id = ${accountId} and license_id = any(${ids})
  `);

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

/**
 * Marks unchanged licenses as seen by this pass, the one write they get: deletions at the
 * end of the pass are the licenses whose `last_seen_at` is older than the pass.
 */
async function touchLastSeen(tx: Db, accountId: string, items: NormalizedLicense[]) {
  if (items.length === 0) return;
  const ids = sql.param(items.map((item) => item.license.id));
  await tx.execute(sql`
    update licenses set last_seen_at = now()
    where integrated_account_id = ${accountId} and id = any(${ids})
  `);
}

async function insertRejects(tx: Db, target: BatchTarget, rejects: RejectRow[]) {
  if (rejects.length === 0) return;
  await tx.execute(sql`
    insert into sync_rejects (run_id, integrated_account_id, license_id, field, reason, value)
    select ${target.runId}, ${target.integratedAccountId}, * from unnest(
      ${sql.param(rejects.map((r) => r.licenseId))}::text[],
      ${sql.param(rejects.map((r) => r.field))}::text[],
      ${sql.param(rejects.map((r) => r.reason))}::text[],
      ${sql.param(rejects.map((r) => r.value))}::text[])
  `);
}
