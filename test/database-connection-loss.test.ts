import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/database.js';
import { withDatabaseRetries } from '../src/sync/database-retry.js';
import { captureLogger } from './support/capture-logger.js';
import { createTestDatabase } from './support/test-database.js';

let database: Database & { drop(): Promise<void> };

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

describe('a connection terminated in the middle of a transaction', () => {
  it('fails that attempt, not the process, and the retry commits on a new connection', async () => {
    // Found by the chaos suite: pg emitted the loss as an 'error' event on the checked-out
    // client, which nobody listened to, and the whole sync process died.
    const { logger } = captureLogger();
    await database.pool.query('create table writes (n int)');
    let attempts = 0;

    await withDatabaseRetries(
      () =>
        database.db.transaction(async (tx) => {
          attempts += 1;
          await tx.execute(sql`insert into writes values (${attempts})`);
          if (attempts === 1) await tx.execute(sql`select pg_terminate_backend(pg_backend_pid())`);
          await tx.execute(sql`select 1`);
        }),
      logger,
    );

    expect(attempts).toBe(2);
    const rows = await database.pool.query('select n from writes');
    expect(rows.rows).toEqual([{ n: 2 }]);
  });
});
