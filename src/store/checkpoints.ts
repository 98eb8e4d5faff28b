import { eq, sql } from 'drizzle-orm';
import type { Db } from './database.js';
import { syncCheckpoints } from './schema.js';

/** Where an unfinished pass over an account stands. */
export interface Checkpoint {
  passStartedAt: string;
  /** The cursor of the next page to read. */
  nextCursor: string;
  pagesDone: number;
  sawPartialResponse: boolean;
}

/** A checkpoint as stored: `savedAt` is the time of the transaction that saved it. */
export interface SavedCheckpoint extends Checkpoint {
  savedAt: string;
}

export async function loadCheckpoint(
  db: Db,
  integratedAccountId: string,
): Promise<SavedCheckpoint | null> {
  const [row] = await db
    .select()
    .from(syncCheckpoints)
    .where(eq(syncCheckpoints.integratedAccountId, integratedAccountId));
  if (row === undefined) return null;
  return {
    passStartedAt: row.passStartedAt,
    nextCursor: row.nextCursor,
    pagesDone: row.pagesDone,
    sawPartialResponse: row.sawPartialResponse,
    savedAt: row.updatedAt,
  };
}

export async function saveCheckpoint(
  db: Db,
  integratedAccountId: string,
  checkpoint: Checkpoint,
): Promise<void> {
  // The database's time, as the batch's `last_seen_at`: a resumed run compares the two.
  const row = { integratedAccountId, ...checkpoint, updatedAt: sql`now()` };
  await db
    .insert(syncCheckpoints)
    .values(row)
    .onConflictDoUpdate({ target: syncCheckpoints.integratedAccountId, set: row });
}

export async function clearCheckpoint(db: Db, integratedAccountId: string): Promise<void> {
  await db
    .delete(syncCheckpoints)
    .where(eq(syncCheckpoints.integratedAccountId, integratedAccountId));
}
