import { sql } from 'drizzle-orm';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import { saveCheckpoint, type Checkpoint } from './checkpoints.js';
import { loadCopyRows, type CopyRows } from './copy-rows.js';
import type { Db } from './database.js';
import { holdLicenses, releaseHeldLicenses } from './held-licenses.js';
import {
  markListedTwice,
  rehashSources,
  touchLastSeen,
  writeLicenses,
  type NewLicenseLoad,
} from './license-writes.js';
import { saveRunCounts, type RunCounts } from './runs.js';
import {
  isUnchangedSource,
  readStoredState,
  type KnownState,
  type RereadWindow,
  type StoredState,
} from './stored-state.js';
import { markUsageStale } from './usage-daily.js';

/** A record, or one of its fields, that could not be stored as it came. */
export interface RejectRow {
  licenseId: string | null;
  /** `null` when the whole record was rejected. */
  field: string | null;
  reason: string;
  value: string;
}

/** A license whose record came byte for byte as the one its stored rows were made from. */
export interface UnchangedLicense {
  id: string;
  sourceHash: string;
}

export interface Batch {
  /** At most one entry per license id: the last copy where the batch had several. */
  licenses: NormalizedLicense[];
  /** Known unchanged by their source digest, without being parsed; none is in `licenses`. */
  unchanged: UnchangedLicense[];
  /** What is known of the stored licenses before the transaction. */
  known: KnownState;
  /**
   * Licenses known not to be stored, as the COPY text made of them while the batch was
   * parsed; none is in `licenses`.
   */
  newRows?: CopyRows;
  /** Ids of which the batch had more than one copy. */
  repeatedIds: ReadonlySet<string>;
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
  /** How a batch loads licenses that are not stored yet. */
  newLicenses: NewLicenseLoad;
  /** Where the run resumes an interrupted one: what that one saw after its checkpoint. */
  reread: RereadWindow | null;
}

export interface BatchOutcome {
  written: number;
  unchanged: number;
}

interface Plan {
  write: NormalizedLicense[];
  /** Licenses loaded from their COPY text. */
  loaded: number;
  hold: NormalizedLicense[];
  touch: string[];
  /** Unchanged in content, but their rows came from other bytes: the digest is replaced. */
  rehash: { id: string; sourceHash: string | null }[];
  newlyRepeated: string[];
  unchanged: number;
}

/**
 * Writes one batch in one transaction: the licenses whose content changed (with their
 * products and roles replaced), a `last_seen_at` touch for the unchanged ones the pass had
 * not seen yet, the rejects, the run's counts and, on a page's last batch, the checkpoint.
 * An unchanged license is never rewritten: its `synced_at` stays, and so do its products.
 */
export async function writeBatch(db: Db, target: BatchTarget, batch: Batch): Promise<BatchOutcome> {
  return db.transaction(async (tx) => {
    const accountId = target.integratedAccountId;
    const stored = await storedStateOf(tx, target, batch);
    const plan = planBatch(batch, stored);

    if (batch.newRows !== undefined) await loadNewLicenses(tx, accountId, batch.newRows);
    await writeLicenses(tx, accountId, plan.write, stored, target.newLicenses);
    await holdLicenses(tx, accountId, target.passStartedAt, plan.hold);
    await touchLastSeen(tx, accountId, plan.touch);
    await rehashSources(tx, accountId, plan.rehash);
    await markListedTwice(tx, accountId, plan.newlyRepeated);
    await insertRejects(tx, target, batch.rejects);

    const outcome = { written: plan.write.length + plan.loaded, unchanged: plan.unchanged };
    await saveRunCounts(tx, target.runId, countBatch(target.counts, outcome));
    if (batch.checkpoint) await saveCheckpoint(tx, accountId, batch.checkpoint);
    return outcome;
  });
}

/**
 * Writes one license read on its own (a refresh), in one transaction with its rejects and
 * the run's counts. It is written at once, even when the listing repeats it: a refresh is
 * not a pass, and nothing of the listing's order applies to it.
 */
export async function writeRefreshedLicense(
  db: Db,
  target: BatchTarget,
  item: NormalizedLicense | undefined,
  rejects: RejectRow[],
): Promise<BatchOutcome> {
  return db.transaction(async (tx) => {
    const accountId = target.integratedAccountId;
    let outcome = { written: 0, unchanged: 0 };
    if (item !== undefined) {
      const ids = [item.license.id];
      const stored = await readStoredState(tx, accountId, target.passStartedAt, null, ids);
      const changed = isChanged(item, stored.get(item.license.id));
      if (changed) await writeLicenses(tx, accountId, [item], stored, target.newLicenses);
      else await touchLastSeen(tx, accountId, [item.license.id]);
      outcome = { written: changed ? 1 : 0, unchanged: changed ? 0 : 1 };
    }
    await insertRejects(tx, target, rejects);
    await saveRunCounts(tx, target.runId, countBatch(target.counts, outcome));
    return outcome;
  });
}

async function loadNewLicenses(tx: Db, accountId: string, rows: CopyRows) {
  if (rows.ids.size === 0) return;
  await markUsageStale(tx, accountId);
  await loadCopyRows(tx, rows);
}

/** Adds a batch's outcome to the run's counts. */
export function countBatch(counts: RunCounts, outcome: BatchOutcome): RunCounts {
  return {
    ...counts,
    written: counts.written + outcome.written,
    unchanged: counts.unchanged + outcome.unchanged,
  };
}

/**
 * Decides what each license of the batch needs. A license the listing is known to repeat is
 * held for the end of the pass, where its last copy wins; held ones are counted there.
 */
function planBatch(batch: Batch, stored: Map<string, StoredState>): Plan {
  const plan: Plan = {
    write: [],
    loaded: 0,
    hold: [],
    touch: [],
    rehash: [],
    newlyRepeated: [],
    unchanged: 0,
  };
  for (const item of batch.licenses) {
    const id = item.license.id;
    const state = stored.get(id);
    const decision = decide(item, state);
    if (decision === 'hold') plan.hold.push(item);
    else if (decision === 'write') plan.write.push(item);
    else plan.unchanged += 1;
    // A written license has its last_seen_at and digest set by the write itself.
    if (state !== undefined && decision !== 'write') {
      const rehash = decision === 'unchanged' && state.source_hash !== item.sourceHash;
      if (rehash) plan.rehash.push({ id, sourceHash: item.sourceHash });
      else if (!state.seen_in_pass) plan.touch.push(id);
    }
    noteRepeat(plan, id, state, batch);
  }
  for (const id of batch.newRows?.ids ?? []) {
    assertNotStored(id, stored.get(id));
    plan.loaded += 1;
    noteRepeat(plan, id, undefined, batch);
  }
  for (const entry of batch.unchanged) {
    const state = stored.get(entry.id);
    assertUnchanged(entry, state);
    plan.unchanged += 1;
    if (!state.seen_in_pass) plan.touch.push(entry.id);
    noteRepeat(plan, entry.id, state, batch);
  }
  return plan;
}

/** A license the pass meets again is marked, once, as listed twice. */
function noteRepeat(plan: Plan, id: string, state: StoredState | undefined, batch: Batch) {
  const repeated = state?.seen_in_pass === true || batch.repeatedIds.has(id);
  if (repeated && state?.listed_twice !== true) plan.newlyRepeated.push(id);
}

/**
 * What was read before the batch was parsed must still hold in its transaction; see
 * `KnownState` for why it does. Were it broken, the license would keep rows that its record
 * no longer gives: the run stops instead, and the next one parses the record.
 */
function assertUnchanged(
  entry: UnchangedLicense,
  state: StoredState | undefined,
): asserts state is StoredState {
  if (!isUnchangedSource(state, entry.sourceHash)) {
    throw new Error(
      `license ${entry.id} changed in the database while this run held its account's lock; ` +
        'another writer ignores the lock. Run the sync again; its records are parsed anew.',
    );
  }
}

/** A license whose COPY text was made must still not be stored; see `assertUnchanged`. */
function assertNotStored(id: string, state: StoredState | undefined): void {
  if (state !== undefined) {
    throw new Error(
      `license ${id} was stored by another writer while this run held its account's lock; ` +
        'another writer ignores the lock. Run the sync again.',
    );
  }
}

function decide(item: NormalizedLicense, state: StoredState | undefined) {
  if (state?.listed_twice === true) return 'hold';
  return isChanged(item, state) ? 'write' : 'unchanged';
}

function isChanged(item: NormalizedLicense, state: StoredState | undefined): boolean {
  return state === undefined || state.deleted || state.content_hash !== item.license.contentHash;
}

/**
 * Writes, at the end of a pass, the last copy of each license the listing repeats, where it
 * differs from what is stored. Runs in the transaction that completes the pass.
 */
export async function applyHeldLicenses(
  tx: Db,
  accountId: string,
  passStartedAt: string,
): Promise<BatchOutcome> {
  const held = await releaseHeldLicenses(tx, accountId, passStartedAt);
  const ids = held.map((item) => item.license.id);
  const stored = await readStoredState(tx, accountId, passStartedAt, null, ids);
  const changed = held.filter((item) => isChanged(item, stored.get(item.license.id)));
  // A few licenses at most: not worth a COPY.
  await writeLicenses(tx, accountId, changed, stored, 'upsert');
  return { written: changed.length, unchanged: held.length - changed.length };
}

/** The stored state of the batch's licenses: what was known before, and the rest read now. */
async function storedStateOf(
  tx: Db,
  target: BatchTarget,
  batch: Batch,
): Promise<Map<string, StoredState>> {
  const { integratedAccountId: accountId, passStartedAt, reread } = target;
  const known = batch.known;
  const states = new Map(known.states);
  for (const id of known.unsure) states.delete(id);
  const read = await readStoredState(tx, accountId, passStartedAt, reread, known.unsure);
  for (const [id, state] of read) states.set(id, state);
  return states;
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
