import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { AccountBusyError } from '../store/account-lock.js';
import { registerMigrateCommand } from './commands/migrate-command.js';
import { registerEnqueueCommand } from './commands/enqueue-command.js';
import { registerReportCommand } from './commands/report-command.js';
import { registerScheduleCommand } from './commands/schedule-command.js';
import { registerStatusCommand } from './commands/status-command.js';
import { registerSyncCommand } from './commands/sync-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';
import { explainStartupError } from './explain-error.js';
import { ExitCode } from './exit-codes.js';

const program = new Command('license-sync')
  .description("Keeps a Postgres copy of connected accounts' software licenses, read from Truto.")
  .showHelpAfterError()
  .exitOverride()
  .addHelpText(
    'after',
    `
Every command that prints data takes --json, for one JSON object on standard output;
messages and logs go to standard error. Configuration comes from the environment (README).

Exit codes:
  0  done; for sync and enqueue --wait: the run succeeded
  1  the run failed, or the command could not do its work (Postgres or Redis unreachable, …)
  2  the configuration or the command line is wrong; nothing was done
  3  another process is syncing that account; nothing was done

Examples:
  $ license-sync migrate
  $ license-sync sync --account 3f0c…e1
  $ license-sync report --json
  $ license-sync sync --help`,
  );

registerMigrateCommand(program);
registerSyncCommand(program);
registerWorkerCommand(program);
registerEnqueueCommand(program);
registerScheduleCommand(program);
registerStatusCommand(program);
registerReportCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = report(error);
}

function report(error: unknown): number {
  if (error instanceof CommanderError) {
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof ConfigError) {
    console.error(error.message);
    return ExitCode.usage;
  }
  if (error instanceof AccountBusyError) {
    console.error(error.message);
    return ExitCode.busy;
  }
  console.error(explainStartupError(error));
  return ExitCode.failed;
}
