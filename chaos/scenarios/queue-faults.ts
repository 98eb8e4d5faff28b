import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ChaosContext } from '../support/chaos-context.js';
import { runCli, runCliToEnd } from '../support/cli-process.js';
import { openQueueProbe } from '../support/queue-probe.js';
import { lastRunId, runsOf, waitForNewRun } from '../support/run-history.js';
import { checkAgainstReference, type Scenario, type ScenarioRecord } from '../support/scenario.js';
import { scanRedis } from '../support/secret-scan.js';
import { startThrowawayRedis } from '../support/throwaway-redis.js';
import { waitUntilSettled } from '../support/worker-run.js';

const FAN_OUT_ACCOUNTS = 5;

/**
 * A Redis of the suite's own restarted (losing every key) while a worker syncs an account,
 * and again while it fans out over every account. The worker must live through both, and
 * once asked again every account must end as a clean sync leaves it.
 */
export const queueFaults: Scenario = {
  name: 'queue-faults',
  needsOwnServers: true,
  async run(context: ChaosContext, record: ScenarioRecord) {
    const redis = await startThrowawayRedis();
    context.onCleanup(() => redis.stop());
    const database = await context.createSchema('queue_faults');
    const syncing = { id: 'chaos-redis-sync', licenses: 5_000, integration: 'zoom' };
    const fanned = Array.from({ length: FAN_OUT_ACCOUNTS }, (_, index) => ({
      id: `chaos-redis-fan-out-${index + 1}`,
      licenses: 300,
      integration: 'zoom',
    }));
    const standIn = await context.startStandIn([syncing], 250);
    standIn.injectFault({ kind: 'trickle', bytesPerChunk: 32_768, delayMs: 10, times: Infinity });
    const prefix = 'chaos-queue-faults';
    const environment = context.environment(
      { schema: database.schema, redisUrl: redis.url, prefix },
      standIn,
      { TRUTO_PAGE_SIZE: '250', LICENSE_INTEGRATIONS: 'zoom' },
    );
    const worker = runCli(['worker'], environment, context.output);
    const probe = openQueueProbe(environment);
    const all = [syncing, ...fanned].map((account) => account.id);

    try {
      // During a sync.
      const before = await lastRunId(database.pool, syncing.id);
      await runCliToEnd(['enqueue', '--account', syncing.id], environment, context.output);
      await waitForNewRun(database.pool, syncing.id, before, {
        timeoutMs: 30_000,
        stop: () => false,
      });
      await sleep(context.random.between(200, 1_500));
      await redis.restart();
      record.tally.faultsInjected += 1;
      await waitForNoRunningRun(database.pool, syncing.id);
      await runCliToEnd(['enqueue', '--account', syncing.id], environment, context.output);
      await waitUntilSettled(probe, database.pool, all, 120_000);

      // During a fan-out: listing the accounts is slowed, so that the restart lands in it.
      for (const account of fanned) standIn.setAccount(account);
      standIn.injectFault({ kind: 'slow-headers', delayMs: 1_500, path: 'accounts', times: 1 });
      const requests = standIn.requests.length;
      await runCliToEnd(['enqueue', '--all'], environment, context.output);
      await waitFor(() =>
        standIn.requests.slice(requests).some((r) => r.path.includes('integrated-account')),
      );
      await redis.restart();
      record.tally.faultsInjected += 1;
      await sleep(3_000);
      await runCliToEnd(['enqueue', '--all'], environment, context.output);
      await waitForRuns(database.pool, all);
      await waitUntilSettled(probe, database.pool, all, 120_000);

      if (worker.child.exitCode !== null) record.problems.push('the worker died with Redis');
      const leaks = await scanRedis(redis.url, [prefix], context.token);
      record.tally.tokenLeaks += leaks.found;
    } finally {
      worker.child.kill('SIGTERM');
      await worker.done;
      await probe.close();
    }

    for (const account of [syncing, ...fanned]) {
      const runs = await runsOf(database.pool, account.id);
      const failed = runs.filter((run) => run.status === 'failed').length;
      const exact = await checkAgainstReference(context, record, database.pool, account);
      if (exact) record.tally.runsRecovered += failed;
    }
    record.notes.push(`the worker lived through 2 Redis restarts; ${all.length} accounts checked`);
  },
};

async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('Timed out waiting for the fan-out to list');
    await sleep(25);
  }
}

async function waitForNoRunningRun(pool: pg.Pool, accountId: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const runs = await runsOf(pool, accountId);
    if (runs.every((run) => run.status !== 'running')) return;
    await sleep(100);
  }
  throw new Error(`A run of ${accountId} was still running after a minute`);
}

/** Waits until every account has a succeeded run. */
async function waitForRuns(pool: pg.Pool, accountIds: string[]): Promise<void> {
  for (let attempt = 0; attempt < 1_200; attempt++) {
    const result = await pool.query(
      `select distinct integrated_account_id from sync_runs
       where status = 'succeeded' and integrated_account_id = any($1)`,
      [accountIds],
    );
    if (result.rowCount === accountIds.length) return;
    await sleep(100);
  }
  throw new Error('Not every account had a succeeded run after two minutes');
}
