import type { ChaosContext } from '../support/chaos-context.js';
import { runCli, runCliToEnd } from '../support/cli-process.js';
import { overlappingRuns, runsOf } from '../support/run-history.js';
import { checkAgainstReference, type Scenario, type ScenarioRecord } from '../support/scenario.js';
import { slowAccountForWorkers, waitUntilSettled } from '../support/worker-run.js';

const REQUESTS = 24;
const PARALLEL_REQUESTS = 4;

/**
 * Two workers and a storm of on-demand requests for one account (`enqueue --account`, with
 * `--full`, with `--license`). No two syncs of the account may overlap in sync_runs, and the
 * tables must end as a clean sync leaves them.
 */
export const concurrency: Scenario = {
  name: 'concurrency',
  async run(context: ChaosContext, record: ScenarioRecord) {
    const setup = await slowAccountForWorkers(context, 'chaos-concurrency', 'concurrency');
    const { account, database, environment, probe } = setup;
    const workers = [0, 1].map(() => runCli(['worker'], environment, context.output));

    try {
      const requests = Array.from({ length: REQUESTS }, (_, index) =>
        requestArgs(index, account.id),
      );
      for (let start = 0; start < requests.length; start += PARALLEL_REQUESTS) {
        const batch = requests.slice(start, start + PARALLEL_REQUESTS);
        await Promise.all(batch.map((args) => runCliToEnd(args, environment, context.output)));
      }
      await waitUntilSettled(probe, database.pool, [account.id], 180_000);
    } finally {
      for (const worker of workers) worker.child.kill('SIGTERM');
      await Promise.all(workers.map((worker) => worker.done));
      await probe.close();
    }

    const runs = await runsOf(database.pool, account.id);
    const syncs = runs.filter((run) => run.licenseId === null);
    const overlaps = overlappingRuns(syncs);
    record.problems.push(...overlaps);
    const failed = runs.filter((run) => run.status !== 'succeeded');
    if (failed.length > 0) record.problems.push(`${failed.length} runs did not succeed`);
    await checkAgainstReference(context, record, database.pool, account);
    record.notes.push(
      `${REQUESTS} requests by 2 workers: ${syncs.length} account syncs, ` +
        `${runs.length - syncs.length} license refreshes, ${overlaps.length} overlaps`,
    );
  },
};

function requestArgs(index: number, accountId: string): string[] {
  const base = ['enqueue', '--account', accountId];
  if (index % 5 === 1) return [...base, '--full'];
  if (index % 5 === 3) return [...base, '--license', `lic-${index * 100}`];
  return base;
}
