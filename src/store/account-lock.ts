import type { Database } from './database.js';

/** Any constant works; it only has to differ from the migration lock's class. */
const SYNC_LOCK = 7_341_002;

/** Another process holds the account: the caller may wait and ask again, or give up. */
export class AccountBusyError extends Error {
  override name = 'AccountBusyError';
}

/**
 * Runs `work` while holding the account's advisory lock, so that two syncs of one account
 * never run at once, whatever started them. The lock lives as long as its connection: if the
 * connection dies mid-run, the signal handed to `work` aborts, and the run must stop before
 * its next write because another process may now hold the account.
 */
export async function withAccountLock<T>(
  database: Database,
  integratedAccountId: string,
  work: (lost: AbortSignal) => Promise<T>,
): Promise<T> {
  const client = await database.pool.connect();
  const lost = new AbortController();
  const onError = (error: Error) => {
    lost.abort(new Error('The connection holding the account lock was lost', { cause: error }));
  };
  client.on('error', onError);
  const key = `${database.schema}:${integratedAccountId}`;

  try {
    const result = await client.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1, hashtext($2)) as locked',
      [SYNC_LOCK, key],
    );
    if (result.rows[0]?.locked !== true) {
      throw new AccountBusyError(
        `Integrated account ${integratedAccountId} is being synced by another process; ` +
          'wait for that run to finish, or find it in sync_runs.',
      );
    }
    try {
      return await work(lost.signal);
    } finally {
      await client.query('select pg_advisory_unlock($1, hashtext($2))', [SYNC_LOCK, key]);
    }
  } finally {
    client.off('error', onError);
    client.release(lost.signal.aborted ? new Error('lock connection lost') : undefined);
  }
}
