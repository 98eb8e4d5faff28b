import type { Logger } from '../logging/logger.js';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import type { Db } from '../store/database.js';
import type { NewLicenseLoad } from '../store/license-writes.js';
import type { Checkpoint } from '../store/checkpoints.js';
import type { RunCounts } from '../store/runs.js';
import {
  countBatch,
  writeBatch,
  type Batch,
  type RejectRow,
  type RereadWindow,
} from '../store/write-batch.js';
import type { BuiltRecord } from '../truto/record-builder.js';
import { withDatabaseRetries } from './database-retry.js';
import { recordRows } from './record-rows.js';

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

/**
 * Turns parsed records into batches and writes them, one transaction each. While one batch
 * is being written the next one is parsed and normalized: at most one write is in flight, so
 * batches still commit in listing order and memory holds at most two batches.
 */
export class BatchWriter {
  readonly #options: BatchWriterOptions;
  #licenses = new Map<string, NormalizedLicense>();
  #repeatedIds = new Set<string>();
  #rejects: RejectRow[] = [];
  #inFlight: Promise<void> = Promise.resolve();
  #counts: RunCounts;

  constructor(options: BatchWriterOptions) {
    this.#options = options;
    // Counted in place: a fresh object per record would be garbage on the hottest path.
    this.#counts = { ...options.counts };
  }

  get counts(): RunCounts {
    return { ...this.#counts };
  }

  /** Takes the records of a page as they are parsed; waits only when a write is behind. */
  async add(records: BuiltRecord[]): Promise<void> {
    for (const record of records) this.#take(record);
    if (this.#licenses.size + this.#rejects.length >= this.#options.batchSize) {
      await this.#inFlight;
      this.#inFlight = this.#write(this.#cut());
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
    await this.#write({ ...this.#cut(), checkpoint });
  }

  /** Waits for the write in flight, if any, after a failure elsewhere. */
  async settle(): Promise<void> {
    await this.#inFlight.catch(() => undefined);
  }

  #take(record: BuiltRecord): void {
    this.#counts.recordsSeen += 1;
    const rows = recordRows(record, this.#options.maxRecordChars);
    this.#rejects.push(...rows.rejects);
    if (rows.license === undefined) {
      this.#counts.rejected += 1;
      return;
    }
    const id = rows.license.license.id;
    // The same id twice in a batch: the later record wins, as it does across batches.
    if (this.#licenses.delete(id)) this.#repeatedIds.add(id);
    this.#licenses.set(id, rows.license);
  }

  #cut(): Batch {
    const licenses = [...this.#licenses.values()];
    const batch = { licenses, repeatedIds: this.#repeatedIds, rejects: this.#rejects };
    this.#licenses = new Map();
    this.#repeatedIds = new Set();
    this.#rejects = [];
    return batch;
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
