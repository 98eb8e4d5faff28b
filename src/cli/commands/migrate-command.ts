import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { loadConfig } from '../../config/config.js';
import { runMigrations } from '../../store/migrate.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Create or update the tables in DATABASE_SCHEMA. Safe to run again.')
    .option('--json', 'print the outcome as one JSON object')
    .addHelpText(
      'after',
      `
Examples:
  $ license-sync migrate
  $ license-sync migrate --json      # {"schema":"license_sync","applied":0,"total":3}
  $ DATABASE_URL=postgres://user@db:5432/analytics DATABASE_SCHEMA=licenses license-sync migrate`,
    )
    .action(async (options: { json?: boolean }) => {
      const runtime = openRuntime(loadConfig());
      try {
        const outcome = await runMigrations(runtime.database);
        const { schema } = runtime.database;
        console.log(
          options.json === true
            ? JSON.stringify({ schema, ...outcome })
            : `Schema "${schema}" is up to date ` +
                `(${outcome.total} migrations, ${outcome.applied} applied now).`,
        );
      } finally {
        await runtime.close();
      }
    });
}
