import { setTimeout as sleep } from 'node:timers/promises';
import type { ChaosContext } from '../support/chaos-context.js';
import { runCli, runCliToEnd } from '../support/cli-process.js';
import { lastRunId, overlappingRuns, runsOf, waitForNewRun } from '../support/run-history.js';
import { checkAgainstReference, type Scenario, type ScenarioRecord } from '../support/scenario.js';
import { slowAccountForWorkers, waitUntilSettled } from '../support/worker-run.js';

/** Longer than JOB_LOCK_DURATION_MS (5 s) and a stalled-job check after it. */
const FROZEN_MS = 12_000;

/**
 * A worker frozen (SIGSTOP) in the middle of a sync loses its job lock; a second worker takes
 * the stalled job up while the first still holds the account. When the first thaws, both
 * believe they own the job: the account lock must keep their syncs apart.
 */
export const lostJobLock: Scenario = {
  name: 'lost-job-lock',
  async run(context: ChaosContext, record: ScenarioRecord) {
    const setup = await slowAccountForWorkers(context, 'chaos-lost-lock', 'lost-lock');
    const { account, database, environment, probe } = setup;
    const first = runCli(['worker'], environment, context.output);
    let second: ReturnType<typeof runCli> | undefined;

    try {
      const before = await lastRunId(database.pool, account.id);
      await runCliToEnd(['enqueue', '--account', account.id], environment, context.output);
      await waitForNewRun(database.pool, account.id, before, {
        timeoutMs: 30_000,
        stop: () => false,
      });
      await sleep(context.random.between(200, 1_000));
      first.child.kill('SIGSTOP');
      record.tally.faultsInjected += 1;
      second = runCli(['worker'], environment, context.output);
      await sleep(FROZEN_MS);
      first.child.kill('SIGCONT');
      await waitUntilSettled(probe, database.pool, [account.id], 120_000);
    } finally {
      first.child.kill('SIGCONT');
      first.child.kill('SIGTERM');
      second?.child.kill('SIGTERM');
      await Promise.all([first.done, second?.done]);
      await probe.close();
    }

    const runs = (await runsOf(database.pool, account.id)).filter((run) => run.licenseId === null);
    record.problems.push(...overlappingRuns(runs));
    const exact = await checkAgainstReference(context, record, database.pool, account);
    const failed = runs.filter((run) => run.status === 'failed').length;
    if (exact) record.tally.runsRecovered += failed;
    record.notes.push(
      `${runs.length} runs (${runs.map((run) => run.status).join(', ')}), none overlapping`,
    );
  },
};
