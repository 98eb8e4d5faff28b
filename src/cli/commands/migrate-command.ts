import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { loadConfig } from '../../config/config.js';
import { runMigrations } from '../../store/migrate.js';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Create or update the tables in DATABASE_SCHEMA. Safe to run again.')
    .addHelpText(
      'after',
      `
Examples:
  $ license-sync migrate
  $ DATABASE_URL=postgres://user@db:5432/analytics DATABASE_SCHEMA=licenses license-sync migrate`,
    )
    .action(async () => {
      const runtime = openRuntime(loadConfig());
      try {
        await runMigrations(runtime.database);
        console.log(`Schema "${runtime.database.schema}" is up to date.`);
      } finally {
        await runtime.close();
      }
    });
}
