import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { QueueProbe } from './queue-probe.js';

/** Waits until the queue holds no unfinished job and the account has no running run. */
export async function waitUntilSettled(
  probe: QueueProbe,
  pool: pg.Pool,
  accountIds: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = await pool.query(
      `select 1 from sync_runs where status = 'running' and integrated_account_id = any($1)`,
      [accountIds],
    );
    if ((await probe.pendingJobs()) === 0 && running.rowCount === 0) return;
    if (Date.now() > deadline) throw new Error('The queue and runs did not settle in time');
    await sleep(250);
  }
}
