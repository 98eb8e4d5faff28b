import type { ChaosContext } from '../support/chaos-context.js';
import { runCli, runCliToEnd } from '../support/cli-process.js';
import { killRepeatedly, maxPagesPerKill } from '../support/kill-loop.js';
import { killedRunProblems, runsOf } from '../support/run-history.js';
import { checkAgainstReference, type Scenario, type ScenarioRecord } from '../support/scenario.js';

const PAGE_SIZE = 200;

/**
 * `license-sync sync` killed with SIGKILL again and again during one listing, restarted each
 * time; then run to its end. The tables must equal a clean sync's, and the history must show
 * every killed run.
 */
export const crashInline: Scenario = {
  name: 'crash-inline',
  async run(context: ChaosContext, record: ScenarioRecord) {
    const account = { id: 'chaos-crash', licenses: context.options.licenses };
    const database = await context.createSchema('crash_inline');
    const standIn = await context.startStandIn([account]);
    const environment = context.environment({ schema: database.schema }, standIn, {
      TRUTO_PAGE_SIZE: String(PAGE_SIZE),
      // A batch a page, so that progress, and the moments a kill can land on, come page by
      // page; batches that span pages are covered by the reduced suite in \`npm test\`.
      SYNC_BATCH_SIZE: String(PAGE_SIZE),
    });
    const args = ['sync', '--account', account.id, '--json'];

    const outcome = await killRepeatedly({
      pool: database.pool,
      accountId: account.id,
      kills: context.options.kills,
      random: context.random,
      maxPagesPerKill: maxPagesPerKill(account.licenses, PAGE_SIZE, context.options.kills),
      start: () => runCli(args, environment, context.output),
      runStartTimeoutMs: 30_000,
    });
    record.tally.kills += outcome.kills;
    if (outcome.endedBy !== undefined) {
      record.problems.push(
        `the sync ended by itself (exit ${String(outcome.endedBy.code)}) after ` +
          `${outcome.kills} of ${context.options.kills} kills; raise --licenses`,
      );
    }

    const final = await runCliToEnd(args, environment, context.output);
    const result = JSON.parse(final.stdout) as { status: string; resumed: boolean };
    record.notes.push(
      `${outcome.kills} kills; final run ${result.status}, resumed=${result.resumed}`,
    );

    const runs = await runsOf(database.pool, account.id);
    record.problems.push(...killedRunProblems(runs, outcome));
    const exact = await checkAgainstReference(context, record, database.pool, account);
    if (exact) record.tally.runsRecovered += runs.filter((run) => run.status === 'failed').length;
    record.notes.push(`${runs.length} runs in sync_runs, ${runs.length - 1} of them interrupted`);
  },
};
