import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ChaosContext } from './chaos-context.js';
import { openQueueProbe, type QueueProbe } from './queue-probe.js';

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

/**
 * One account of 3,000 licenses behind a stand-in that trickles its pages (250 a page), a
 * schema and a queue prefix of its own, and a probe of that queue: syncs that last long
 * enough for requests, freezes or a second worker to arrive while they run.
 */
export async function slowAccountForWorkers(context: ChaosContext, id: string, name: string) {
  const account = { id, licenses: 3_000 };
  const database = await context.createSchema(name.replaceAll('-', '_'));
  const standIn = await context.startStandIn([account], 250);
  standIn.injectFault({ kind: 'trickle', bytesPerChunk: 16_384, delayMs: 15, times: Infinity });
  const prefix = context.newPrefix(name);
  const environment = context.environment({ schema: database.schema, prefix }, standIn, {
    TRUTO_PAGE_SIZE: '250',
  });
  return { account, database, environment, probe: openQueueProbe(environment) };
}
