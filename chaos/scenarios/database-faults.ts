import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openDatabase } from '../../src/store/database.js';
import { runMigrations } from '../../src/store/migrate.js';
import type { ChaosContext } from '../support/chaos-context.js';
import { runCli, type CliProcess } from '../support/cli-process.js';
import { lastRunId, waitForNewRun } from '../support/run-history.js';
import { checkAgainstReference, type Scenario, type ScenarioRecord } from '../support/scenario.js';
import { scanDatabase } from '../support/secret-scan.js';
import { syncUntilSuccess } from '../support/sync-until-success.js';
import { startThrowawayPostgres, type ThrowawayPostgres } from '../support/throwaway-postgres.js';

const LICENSES = 5_000;
const TERMINATIONS = 3;

/**
 * On a Postgres of the suite's own: the backends of a running sync terminated in the middle of
 * a transaction, the connection holding the account lock terminated, and the server
 * restarted during a sync. Each account must end as a clean sync leaves it.
 */
export const databaseFaults: Scenario = {
  name: 'database-faults',
  needsOwnServers: true,
  async run(context: ChaosContext, record: ScenarioRecord) {
    const server = await startThrowawayPostgres();
    context.onCleanup(() => server.stop());
    const database = openDatabase({ url: server.url, schema: 'chaos_db_faults' });
    try {
      await runMigrations(database);
      const standIn = await context.startStandIn([], 250);
      standIn.injectFault({ kind: 'trickle', bytesPerChunk: 32_768, delayMs: 10, times: Infinity });
      const environment = context.environment(
        { databaseUrl: server.url, schema: database.schema },
        standIn,
        { TRUTO_PAGE_SIZE: '250' },
      );
      const cases: [string, (sync: CliProcess) => Promise<number>][] = [
        ['terminated mid-transaction', () => terminateWriters(server, TERMINATIONS)],
        ['lock connection terminated', () => terminateLockHolder(server)],
        ['server restarted', () => restartServer(server)],
      ];

      for (const [index, [name, fault]] of cases.entries()) {
        const account = { id: `chaos-db-${index + 1}`, licenses: LICENSES };
        standIn.setAccount(account);
        const before = await lastRunId(database.pool, account.id);
        const sync = runCli(
          ['sync', '--account', account.id, '--json'],
          environment,
          context.output,
        );
        await waitForNewRun(database.pool, account.id, before, {
          timeoutMs: 30_000,
          stop: () => false,
        });
        await sleep(context.random.between(200, 1_500));
        record.tally.faultsInjected += await fault(sync);
        const first = await sync.done;

        const attempts = await syncUntilSuccess(context, environment, account.id);
        const failed = (first.code === 0 ? 0 : 1) + attempts.failed;
        if (!attempts.succeeded) record.problems.push(`${name}: no later run succeeded`);
        const exact = await checkAgainstReference(context, record, database.pool, account, name);
        if (exact) record.tally.runsRecovered += failed;
        record.notes.push(
          `${name}: the faulted run exited ${String(first.code)}, ${failed} failed run(s)`,
        );
      }
      const scanned = await scanDatabase(database, context.token);
      record.tally.tokenLeaks += scanned.found;
    } finally {
      await database.close();
    }
  },
};

/** Terminates the backends of license-sync that are inside a transaction, `times` times. */
async function terminateWriters(server: ThrowawayPostgres, times: number): Promise<number> {
  let terminated = 0;
  for (let attempt = 0; attempt < 200 && terminated < times; attempt++) {
    terminated += await terminate(
      server,
      `select pg_terminate_backend(pid) as done from pg_stat_activity
       where application_name = 'license-sync' and xact_start is not null
         and pid <> pg_backend_pid()`,
    );
    await sleep(150);
  }
  return terminated;
}

/** Terminates the connection that holds an account's advisory lock. */
async function terminateLockHolder(server: ThrowawayPostgres): Promise<number> {
  return terminate(
    server,
    `select pg_terminate_backend(pid) as done from pg_locks
     where locktype = 'advisory' and classid = 7341002 and granted`,
  );
}

async function restartServer(server: ThrowawayPostgres): Promise<number> {
  await server.restart();
  return 1;
}

/** Runs the query on the throw-away server; its rows say which backends it ended. */
async function terminate(server: ThrowawayPostgres, query: string): Promise<number> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    const result = await client.query<{ done: boolean }>(query);
    return result.rows.filter((row) => row.done).length;
  } finally {
    await client.end();
  }
}
