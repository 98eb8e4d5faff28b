import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ChaosContext } from '../support/chaos-context.js';
import { runCli, runCliToEnd } from '../support/cli-process.js';
import { killRepeatedly, maxPagesPerKill } from '../support/kill-loop.js';
import { openQueueProbe } from '../support/queue-probe.js';
import { killedRunProblems, runsOf } from '../support/run-history.js';
import { checkAgainstReference, type Scenario, type ScenarioRecord } from '../support/scenario.js';
import { waitUntilSettled } from '../support/worker-run.js';

const PAGE_SIZE = 500;

/**
 * A `license-sync worker` killed with SIGKILL again and again while it syncs one account that
 * `enqueue` asked for; each restarted worker takes the stalled job up again. BullMQ fails a
 * job that stalled more than three times, as a crash loop would: the suite then asks again
 * with `enqueue`, as an operator would.
 */
export const crashWorker: Scenario = {
  name: 'crash-worker',
  async run(context: ChaosContext, record: ScenarioRecord) {
    const account = { id: 'chaos-crash', licenses: context.options.licenses };
    const database = await context.createSchema('crash_worker');
    const standIn = await context.startStandIn([account]);
    const prefix = context.newPrefix('crash-worker');
    const environment = context.environment({ schema: database.schema, prefix }, standIn, {
      TRUTO_PAGE_SIZE: String(PAGE_SIZE),
    });
    const probe = openQueueProbe(environment);
    let enqueued = 0;
    const askWhenIdle = async () => {
      if ((await probe.pendingJobs()) > 0) return;
      enqueued += 1;
      await runCliToEnd(['enqueue', '--account', account.id], environment, context.output);
    };

    try {
      await askWhenIdle();
      const outcome = await killRepeatedly({
        pool: database.pool,
        accountId: account.id,
        kills: context.options.kills,
        random: context.random,
        maxPagesPerKill: maxPagesPerKill(account.licenses, PAGE_SIZE, context.options.kills),
        start: () => runCli(['worker'], environment, context.output),
        whileWaiting: throttled(askWhenIdle, 2_000),
        runStartTimeoutMs: 60_000,
      });
      record.tally.kills += outcome.kills;
      if (outcome.endedBy !== undefined) {
        record.problems.push(`a worker exited by itself (${String(outcome.endedBy.code)})`);
      }

      const worker = runCli(['worker'], environment, context.output);
      await untilSynced(database.pool, account.id, askWhenIdle);
      await waitUntilSettled(probe, database.pool, [account.id], 120_000);
      worker.child.kill('SIGTERM');
      const stopped = await worker.done;
      if (stopped.code !== 0) record.problems.push(`the last worker exited with ${stopped.code}`);

      const runs = await runsOf(database.pool, account.id);
      record.problems.push(...killedRunProblems(runs, outcome));
      const exact = await checkAgainstReference(context, record, database.pool, account);
      if (exact) record.tally.runsRecovered += runs.filter((run) => run.status === 'failed').length;
      record.notes.push(
        `${outcome.kills} kills, ${enqueued} enqueue requests; ${runs.length} runs, ` +
          `${runs.filter((run) => run.resumed).length} resumed`,
      );
    } finally {
      await probe.close();
    }
  },
};

/** Calls `action` at most once per `intervalMs`. */
function throttled(action: () => Promise<void>, intervalMs: number): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < intervalMs) return;
    last = Date.now();
    await action();
  };
}

/**
 * Asks again whenever the queue is idle until the account's last run succeeded: the job that
 * was killed more than three times is failed by BullMQ, and a killed run stays `running`
 * until the next run of the account closes it.
 */
async function untilSynced(pool: pg.Pool, accountId: string, askWhenIdle: () => Promise<void>) {
  const deadline = Date.now() + 180_000;
  while ((await runsOf(pool, accountId)).at(-1)?.status !== 'succeeded') {
    if (Date.now() > deadline) throw new Error(`${accountId} was not synced within 3 minutes`);
    await askWhenIdle();
    await sleep(500);
  }
}
