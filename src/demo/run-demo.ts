import { openRuntime, type Runtime } from '../app/runtime.js';
import { ExitCode } from '../cli/exit-codes.js';
import type { DemoConfig } from '../config/demo-config.js';
import { runMigrations } from '../store/migrate.js';
import { openDemoSource, type DemoSource } from './demo-source.js';
import { openDemoStore } from './demo-store.js';
import { formatAccount, formatListing, LICENSE_ROWS } from './demo-report.js';
import { runSqlQuery } from './sql-query.js';
import { readStoredAccount } from './stored-account.js';
import { syncAccountsInline } from './sync-inline.js';

export interface DemoOptions {
  /** The embedded Postgres's folder; unused when DATABASE_URL is set. */
  dataDir: string;
  /** Run this query instead of syncing. */
  sql?: string;
  /** Where the report goes (standard output); progress and refusals go to `note`. */
  print: (text: string) => void;
  note: (text: string) => void;
}

const TRY_NEXT = `Try next:
  npm run demo -- --sql "select name, available_quantity - assigned_quantity as idle_seats
    from licenses where deleted_at is null order by idle_seats desc nulls last limit 5"
  npm run demo -- --sql "select * from sync_runs order by id desc limit 5"`;

const EMBEDDED_NEXT = `
  npm run demo -- --serve 5433     and in another terminal:
    psql "postgres://postgres@127.0.0.1:5433/postgres?sslmode=disable"`;

const STAND_IN_NEXT = `
  npm run demo                     again: a re-sync, which writes only what changed`;

/**
 * Syncs every account into the store and reports what it holds, or answers `options.sql`;
 * returns the exit code.
 */
export async function runDemo(demo: DemoConfig, options: DemoOptions): Promise<number> {
  const store = await openDemoStore(demo, options.dataDir);
  try {
    const config = { ...demo.config, databaseUrl: store.databaseUrl };
    const runtime = openRuntime(config, { newLicenses: store.newLicenses });
    try {
      await runMigrations(runtime.database);
      if (options.sql !== undefined) {
        const answer = await runSqlQuery(runtime.database, options.sql);
        (answer.ok ? options.print : options.note)(answer.text);
        return answer.ok ? ExitCode.ok : ExitCode.failed;
      }
      return await syncAndReport(demo, runtime, store.description, options);
    } finally {
      await runtime.close();
    }
  } finally {
    await store.close();
  }
}

async function syncAndReport(
  demo: DemoConfig,
  runtime: Runtime,
  storeDescription: string,
  options: DemoOptions,
): Promise<number> {
  const source = await openDemoSource(demo, runtime.database.db);
  try {
    options.print(`Syncing from ${source.description}\ninto ${storeDescription}.\n`);
    const outcome = await syncAccountsInline(withSource(runtime, source), (account) => {
      options.note(`syncing ${account.integration ?? 'account'} ${account.integratedAccountId}…`);
    });

    options.print(formatListing(outcome.listing));
    for (const account of outcome.busy) {
      options.print(`${account.integratedAccountId}: being synced by another process; skipped.`);
    }
    for (const run of outcome.runs) {
      const stored = await readStoredAccount(
        runtime.database,
        run.integratedAccountId,
        run.runId,
        LICENSE_ROWS,
      );
      options.print(`\n${formatAccount(run, stored)}`);
    }
    const embedded = demo.useEmbeddedDatabase ? EMBEDDED_NEXT : '';
    options.print(`\n${TRY_NEXT}${embedded}${demo.useStandIn ? STAND_IN_NEXT : ''}`);
    const allSucceeded = outcome.runs.every((run) => run.status === 'succeeded');
    return allSucceeded ? ExitCode.ok : ExitCode.failed;
  } finally {
    await source.close();
  }
}

function withSource(runtime: Runtime, source: DemoSource): Runtime {
  return { ...runtime, config: { ...runtime.config, truto: source.truto } };
}
