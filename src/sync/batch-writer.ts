import type { Logger } from '../logging/logger.js';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import type { Db } from '../store/database.js';
import type { NewLicenseLoad } from '../store/license-writes.js';
import type { Checkpoint } from '../store/checkpoints.js';
import type { CopyRows } from '../store/copy-rows.js';
import { CopyRowsBuilder } from '../store/copy-rows-builder.js';
import type { RunCounts } from '../store/runs.js';
import {
  isUnchangedSource,
  readStoredState,
  type KnownState,
  type RereadWindow,
  type StoredState,
} from '../store/stored-state.js';
import {
  countBatch,
  writeBatch,
  type Batch,
  type RejectRow,
  type UnchangedLicense,
} from '../store/write-batch.js';
import { EventLoopSlices } from '../truto/event-loop-slices.js';
import type { ListedRecord } from '../truto/listed-record.js';
import { withDatabaseRetries } from './database-retry.js';
import { IdFilter } from './id-filter.js';
import { recordRows } from './record-rows.js';
import { sourceHashOf } from './source-hash.js';

export interface BatchWriterOptions {
  db: Db;
  newLicenses: NewLicenseLoad;
  logger: Logger;
  runId: number;
  integratedAccountId: string;
  passStartedAt: string;
  reread: RereadWindow | null;
  /**
   * Whether to look up the stored state of each batch's licenses before parsing it. Not for
   * an account that had no licenses when the run began: its first sync would find nothing.
   */
  lookUpStored: boolean;
  /** The most records a batch holds: one transaction's worth. */
  batchSize: number;
  maxRecordChars: number;
  /** Aborts when the run must stop writing (its account lock was lost, or shutdown). */
  signal: AbortSignal;
  counts: RunCounts;
  onCommitted: (counts: RunCounts) => void;
}

/**
 * The longest a batch is parsed before the event loop comes round. In one go, a batch of
 * 1,000 held it for 30 ms, and the COPY of the batch before stalled meanwhile with Postgres
 * idle: a first sync was a fifth slower.
 */
const PARSE_SLICE_MS = 2;

/** A page's records as they were listed, before they are looked up and parsed. */
interface ListedBatch {
  records: ListedRecord[];
  checkpoint?: Checkpoint;
}

/** A listed record of a batch with the digest of its bytes. */
interface HashedRecord {
  record: ListedRecord;
  sourceHash: string | null;
}

/** A record whose bytes are those its license's stored rows came from. */
interface KnownRecord extends UnchangedLicense {
  record: ListedRecord;
}

/** A batch parsed but for the records found unchanged, which are kept until it is sent. */
interface ParsedBatch {
  licenses: NormalizedLicense[];
  unchanged: KnownRecord[];
  /** Licenses known not to be stored, already made into COPY text; none is in `licenses`. */
  newRows: CopyRows | undefined;
  repeatedIds: Set<string>;
  rejects: RejectRow[];
}

/** A parsed batch with the stored state read before it was parsed, and the ids read. */
interface PreparedBatch extends ParsedBatch {
  states: ReadonlyMap<string, StoredState>;
  readIds: ReadonlySet<string>;
}

/** A batch whose every record is parsed or known unchanged, ready to be sent. */
type CheckedBatch = Omit<Batch, 'checkpoint' | 'known'> & Pick<PreparedBatch, 'states' | 'readIds'>;

/**
 * Turns listed records into batches and writes them, one transaction each. A batch first
 * looks up the stored digests of its licenses: a record whose bytes are those its stored
 * rows came from is not parsed at all, which makes a re-sync of unchanged data mostly a
 * matter of reading bytes. The others are parsed and normalized.
 *
 * While one batch is written, the next is read, looked up and parsed: at most one batch is
 * in flight, so batches still commit in listing order and memory holds at most two batches.
 */
export class BatchWriter {
  readonly #options: BatchWriterOptions;
  #records: ListedRecord[] = [];
  /** Where the current page's records begin in `#records`. */
  #pageStart = 0;
  /** The checkpoint of the last page ended, until a batch ending with that page takes it. */
  #pendingCheckpoint: Checkpoint | undefined;
  /** The batch sent last, from its lookup until its write has begun. */
  #preparing: Promise<void> = Promise.resolve();
  #inFlight: Promise<void> = Promise.resolve();
  /** The licenses of the batch sent last. */
  #previousIds = new Set<string>();
  /** Every license this run has sent, where the account had none when it began. */
  readonly #sentIds: IdFilter | null;
  #counts: RunCounts;

  constructor(options: BatchWriterOptions) {
    this.#options = options;
    this.#counts = { ...options.counts };
    this.#sentIds = options.lookUpStored ? null : new IdFilter();
  }

  get counts(): RunCounts {
    return { ...this.#counts };
  }

  /**
   * Takes the records of a page as they are read; waits only when a write is behind. A batch
   * is cut when a record comes that it has no room for: at the end of the last page it holds
   * whole, with that page's checkpoint, or else where it is full.
   */
  async add(records: ListedRecord[]): Promise<void> {
    for (const record of records) {
      if (this.#records.length >= this.#options.batchSize) await this.#sendForRoom();
      this.#records.push(record);
    }
  }

  /**
   * Ends a page. Its records go out with the checkpoint when the listing ends here, or when
   * another page like it would not fit in the batch; else the batch takes the next page too,
   * and the checkpoint waits for the batch's end. Either way, a checkpoint is only ever
   * committed with the records of every page before it. The run counts the pages it read
   * itself; the checkpoint keeps the pass's position.
   *
   * Returns without waiting for the write: the next page is fetched and read meanwhile.
   */
  async finishPage(checkpoint: Checkpoint | undefined): Promise<void> {
    this.#counts.pages += 1;
    const pageRecords = this.#records.length - this.#pageStart;
    const roomForAnother = this.#records.length + pageRecords <= this.#options.batchSize;
    if (checkpoint !== undefined && roomForAnother) {
      this.#pendingCheckpoint = checkpoint;
      this.#pageStart = this.#records.length;
      return;
    }
    this.#pendingCheckpoint = undefined;
    this.#pageStart = 0;
    await this.#send({ records: this.#cut(), checkpoint });
  }

  /** Waits until every batch sent is written; raises the failure of one that was not. */
  async drain(): Promise<void> {
    await this.#preparing;
    await this.#inFlight;
  }

  /**
   * After a failure elsewhere: writes the pages read whole, with the last one's checkpoint,
   * so that the next run goes on after them, then waits for what is in flight. Not once the
   * run must stop writing. A failure of these writes is left to the run's own.
   */
  async settle(): Promise<void> {
    const whole = this.#options.signal.aborted ? undefined : this.#takeWholePages();
    if (whole !== undefined) await this.#send(whole).catch(() => undefined);
    await this.#preparing.catch(() => undefined);
    await this.#inFlight.catch(() => undefined);
  }

  /**
   * Starts preparing a batch once the one before it has begun its write, and returns: the
   * next records are read meanwhile, while this batch is looked up and parsed and the batch
   * before it is written. Batches are still prepared and written one after another, so that
   * a lookup only ever overlaps the write of the batch before it (see `#knownState`). On a
   * re-sync, where a lookup costs more than parsing, this took a fifth off its time.
   */
  async #send(listed: ListedBatch): Promise<void> {
    await this.#preparing;
    this.#preparing = this.#prepareAndWrite(listed);
    // Marked as handled here; the failure is raised by the next await of #preparing.
    this.#preparing.catch(() => undefined);
  }

  /** Prepares a batch, then writes it once the batch before it is written. */
  async #prepareAndWrite(listed: ListedBatch): Promise<void> {
    const checked = this.#recheck(await this.#prepare(listed.records));
    const ids = [
      ...checked.licenses.map((item) => item.license.id),
      ...checked.unchanged.map((entry) => entry.id),
    ];
    const known = this.#knownState(ids, checked);
    const newIds = checked.newRows?.ids ?? [];
    this.#sentIds?.addAll(newIds);
    this.#previousIds = new Set([...ids, ...newIds]);
    const { licenses, unchanged, newRows, repeatedIds, rejects } = checked;
    const { checkpoint } = listed;
    const batch = { licenses, unchanged, repeatedIds, rejects, known, newRows, checkpoint };
    await this.#inFlight;
    this.#inFlight = this.#write(batch);
    // Marked as handled here; the failure is raised by the next await of #inFlight.
    this.#inFlight.catch(() => undefined);
  }

  /**
   * What the batch's transaction need not read again (see `KnownState`): the licenses of
   * `ids` that `#isSurelyStored` does not vouch for are unsure. Where the account had no
   * licenses when the run began, its stored state is known to be empty but for those.
   */
  #knownState(ids: string[], checked: CheckedBatch): KnownState {
    const sent = this.#sentIds;
    const unsure = ids.filter((id) => this.#isUnsure(id, checked.readIds));
    sent?.addAll(ids);
    return { states: sent === null ? checked.states : new Map(), unsure };
  }

  /**
   * Whether what is known of a license's stored state before its batch's transaction might
   * not hold in it. Where the account had no licenses when the run began, only those this run
   * sent before may be stored. Otherwise, what was read before parsing holds but for the
   * licenses of the batch before, which was being written meanwhile, and for ids not read.
   */
  #isUnsure(id: string, readIds: ReadonlySet<string>): boolean {
    const sent = this.#sentIds;
    if (sent !== null) return sent.mayHave(id);
    return this.#previousIds.has(id) || !readIds.has(id);
  }

  /**
   * Makes room in a full batch: sends the pages it holds whole with the last one's
   * checkpoint, or, when the current page alone fills it, all of it without one.
   */
  async #sendForRoom(): Promise<void> {
    const whole = this.#takeWholePages();
    if (whole !== undefined) {
      await this.#send(whole);
      return;
    }
    this.#pageStart = 0;
    await this.#send({ records: this.#cut() });
  }

  /** Takes out the records of the pages held whole, with the last one's checkpoint. */
  #takeWholePages(): ListedBatch | undefined {
    const checkpoint = this.#pendingCheckpoint;
    if (checkpoint === undefined || this.#pageStart === 0) return undefined;
    const records = this.#records.slice(0, this.#pageStart);
    this.#records = this.#records.slice(this.#pageStart);
    this.#pendingCheckpoint = undefined;
    this.#pageStart = 0;
    return { records, checkpoint };
  }

  #cut(): ListedRecord[] {
    const records = this.#records;
    this.#records = [];
    return records;
  }

  /** Reads the stored state of the batch's licenses, and parses the records that differ. */
  async #prepare(records: ListedRecord[]): Promise<PreparedBatch> {
    const { signal } = this.#options;
    signal.throwIfAborted();
    const hashed = records.map(hashRecord);
    const ids = hashed.flatMap(({ record }) =>
      isLookupId(record.licenseId) ? [record.licenseId] : [],
    );
    const states = this.#options.lookUpStored
      ? await this.#readStates(ids)
      : new Map<string, StoredState>();
    const readIds = new Set(this.#options.lookUpStored ? ids : []);
    const isNew = (id: string) => !this.#isUnsure(id, readIds) && !states.has(id);
    return { ...(await this.#toBatch(hashed, states, isNew)), states, readIds };
  }

  #readStates(ids: string[]): Promise<Map<string, StoredState>> {
    const { db, logger, signal, integratedAccountId, passStartedAt, reread } = this.#options;
    const read = () => readStoredState(db, integratedAccountId, passStartedAt, reread, ids);
    return withDatabaseRetries(read, logger, signal);
  }

  /**
   * Parses what must be parsed. A license that `isNew` vouches is not stored is made into
   * COPY text at once, and not kept (see `CopyRowsBuilder`). The same id twice in a batch: the
   * later record wins, as it does across batches, and the id is noted as repeated.
   */
  async #toBatch(
    hashed: HashedRecord[],
    stored: Map<string, StoredState>,
    isNew: (id: string) => boolean,
  ): Promise<ParsedBatch> {
    const latest = new Map<string, NormalizedLicense | KnownRecord>();
    const copied = this.#options.newLicenses === 'copy' ? this.#copyRowsBuilder() : undefined;
    const repeatedIds = new Set<string>();
    const rejects: RejectRow[] = [];
    const slices = new EventLoopSlices(PARSE_SLICE_MS);
    for (const item of hashed) {
      await slices.pause();
      this.#counts.recordsSeen += 1;
      const entry = this.#entryOf(item, stored, rejects);
      if (entry === undefined) continue;
      const id = 'license' in entry ? entry.license.id : entry.id;
      if (latest.delete(id) || copied?.drop(id) === true) repeatedIds.add(id);
      if (copied !== undefined && 'license' in entry && isNew(id)) copied.add(entry);
      else latest.set(id, entry);
    }
    const licenses: NormalizedLicense[] = [];
    const unchanged: KnownRecord[] = [];
    for (const entry of latest.values()) {
      if ('license' in entry) licenses.push(entry);
      else unchanged.push(entry);
    }
    return { licenses, unchanged, newRows: copied?.finish(), repeatedIds, rejects };
  }

  #copyRowsBuilder(): CopyRowsBuilder {
    return new CopyRowsBuilder(this.#options.integratedAccountId);
  }

  /** A record whose bytes are stored already is kept as it is; any other is parsed. */
  #entryOf(
    item: HashedRecord,
    stored: Map<string, StoredState>,
    rejects: RejectRow[],
  ): NormalizedLicense | KnownRecord | undefined {
    const { record, sourceHash } = item;
    const id = record.licenseId;
    if (id !== null && sourceHash !== null && isUnchangedSource(stored.get(id), sourceHash)) {
      return { id, sourceHash, record };
    }
    return this.#parse(item, rejects);
  }

  #parse(item: HashedRecord, rejects: RejectRow[]): NormalizedLicense | undefined {
    const rows = recordRows(item.record, item.sourceHash, this.#options.maxRecordChars);
    for (const reject of rows.rejects) rejects.push(reject);
    if (rows.license === undefined) this.#counts.rejected += 1;
    return rows.license;
  }

  /**
   * Parses, after all, the unchanged records of licenses that the batch before this one
   * wrote: their digests were looked up before that batch committed. Any other license is
   * written by this run alone (it holds the account's lock), and was not since.
   */
  #recheck(prepared: PreparedBatch): CheckedBatch {
    const { licenses, newRows, repeatedIds, rejects, states, readIds } = prepared;
    const unchanged: UnchangedLicense[] = [];
    for (const item of prepared.unchanged) {
      if (!this.#previousIds.has(item.id)) {
        unchanged.push({ id: item.id, sourceHash: item.sourceHash });
        continue;
      }
      const license = this.#parse(item, rejects);
      if (license !== undefined) licenses.push(license);
    }
    return { licenses, unchanged, newRows, repeatedIds, rejects, states, readIds };
  }

  async #write(batch: Batch): Promise<void> {
    const { db, logger, signal } = this.#options;
    signal.throwIfAborted();
    const counts = { ...this.#counts };
    const target = { ...this.#options, counts };
    const outcome = await withDatabaseRetries(() => writeBatch(db, target, batch), logger, signal);
    this.#counts.written += outcome.written;
    this.#counts.unchanged += outcome.unchanged;
    this.#options.onCommitted(countBatch(counts, outcome));
  }
}

/**
 * An id as written in the record, which Postgres can take as text. One that it cannot (a NUL
 * in it) is not stored as written either: its record is parsed, and normalized to what is.
 */
function isLookupId(id: string | null): id is string {
  return id !== null && !id.includes('\0');
}

function hashRecord(record: ListedRecord): HashedRecord {
  const sourceHash = record.kind === 'record' ? sourceHashOf(record.bytes) : null;
  return { record, sourceHash };
}
