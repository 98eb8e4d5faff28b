import type { Logger } from '../logging/logger.js';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import type { Db } from '../store/database.js';
import type { NewLicenseLoad } from '../store/license-writes.js';
import type { Checkpoint } from '../store/checkpoints.js';
import type { RunCounts } from '../store/runs.js';
import { readStoredSources } from '../store/stored-sources.js';
import {
  countBatch,
  writeBatch,
  type Batch,
  type RejectRow,
  type RereadWindow,
  type UnchangedLicense,
} from '../store/write-batch.js';
import type { ListedRecord } from '../truto/listed-record.js';
import { withDatabaseRetries } from './database-retry.js';
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
  batchSize: number;
  maxRecordChars: number;
  /** Aborts when the run must stop writing (its account lock was lost, or shutdown). */
  signal: AbortSignal;
  counts: RunCounts;
  onCommitted: (counts: RunCounts) => void;
}

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

/**
 * Turns listed records into batches and writes them, one transaction each. A batch first
 * looks up the stored digests of its licenses: a record whose bytes are those its stored
 * rows came from is not parsed at all, which makes a re-sync of unchanged data mostly a
 * matter of reading bytes. The others are parsed and normalized.
 *
 * While one batch is being looked up, parsed and written, the records of the next are read:
 * at most one batch is in flight, so batches still commit in listing order and memory holds
 * at most two batches.
 */
export class BatchWriter {
  readonly #options: BatchWriterOptions;
  #records: ListedRecord[] = [];
  #inFlight: Promise<void> = Promise.resolve();
  #counts: RunCounts;

  constructor(options: BatchWriterOptions) {
    this.#options = options;
    this.#counts = { ...options.counts };
  }

  get counts(): RunCounts {
    return { ...this.#counts };
  }

  /** Takes the records of a page as they are read; waits only when a write is behind. */
  async add(records: ListedRecord[]): Promise<void> {
    for (const record of records) this.#records.push(record);
    if (this.#records.length >= this.#options.batchSize) {
      await this.#inFlight;
      this.#inFlight = this.#process({ records: this.#cut() });
      // Marked as handled here; the failure is raised by the next await of #inFlight.
      this.#inFlight.catch(() => undefined);
    }
  }

  /**
   * Ends a page: writes what is left, with the checkpoint when the listing goes on. The run
   * counts the pages it read itself; the checkpoint keeps the pass's position.
   */
  async finishPage(checkpoint: Checkpoint | undefined): Promise<void> {
    await this.#inFlight;
    this.#counts.pages += 1;
    await this.#process({ records: this.#cut(), checkpoint });
  }

  /** Waits for the write in flight, if any, after a failure elsewhere. */
  async settle(): Promise<void> {
    await this.#inFlight.catch(() => undefined);
  }

  #cut(): ListedRecord[] {
    const records = this.#records;
    this.#records = [];
    return records;
  }

  async #process(listed: ListedBatch): Promise<void> {
    const { db, logger, signal, integratedAccountId } = this.#options;
    signal.throwIfAborted();
    const hashed = listed.records.map(hashRecord);
    const ids = hashed.flatMap(({ record }) =>
      isLookupId(record.licenseId) ? [record.licenseId] : [],
    );
    const stored = await withDatabaseRetries(
      () => readStoredSources(db, integratedAccountId, ids),
      logger,
      signal,
    );
    const batch = this.#toBatch(hashed, stored);
    await this.#write({ ...batch, checkpoint: listed.checkpoint });
  }

  /**
   * Parses what must be parsed. The same id twice in a batch: the later record wins, as it
   * does across batches, and the id is noted as repeated.
   */
  #toBatch(hashed: HashedRecord[], stored: Map<string, string>): Batch {
    const latest = new Map<string, NormalizedLicense | UnchangedLicense>();
    const repeatedIds = new Set<string>();
    const rejects: RejectRow[] = [];
    for (const { record, sourceHash } of hashed) {
      this.#counts.recordsSeen += 1;
      const entry = this.#entryOf(record, sourceHash, stored, rejects);
      if (entry === undefined) continue;
      const id = 'license' in entry ? entry.license.id : entry.id;
      if (latest.delete(id)) repeatedIds.add(id);
      latest.set(id, entry);
    }
    const licenses: NormalizedLicense[] = [];
    const unchanged: UnchangedLicense[] = [];
    for (const entry of latest.values()) {
      if ('license' in entry) licenses.push(entry);
      else unchanged.push(entry);
    }
    return { licenses, unchanged, repeatedIds, rejects };
  }

  #entryOf(
    record: ListedRecord,
    sourceHash: string | null,
    stored: Map<string, string>,
    rejects: RejectRow[],
  ): NormalizedLicense | UnchangedLicense | undefined {
    const id = record.licenseId;
    if (sourceHash !== null && id !== null && stored.get(id) === sourceHash) {
      return { id, sourceHash };
    }
    const rows = recordRows(record, sourceHash, this.#options.maxRecordChars);
    for (const reject of rows.rejects) rejects.push(reject);
    if (rows.license === undefined) this.#counts.rejected += 1;
    return rows.license;
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
