import { eq } from 'drizzle-orm';
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

export async function loadCheckpoint(
  db: Db,
  integratedAccountId: string,
): Promise<Checkpoint | null> {
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
  };
}

export async function saveCheckpoint(
  db: Db,
  integratedAccountId: string,
  checkpoint: Checkpoint,
): Promise<void> {
  const row = { integratedAccountId, ...checkpoint, updatedAt: new Date().toISOString() };
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
