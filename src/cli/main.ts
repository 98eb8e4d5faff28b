import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/config.js';
import { AccountBusyError } from '../store/account-lock.js';
import { registerMigrateCommand } from './commands/migrate-command.js';
import { registerEnqueueCommand } from './commands/enqueue-command.js';
import { registerScheduleCommand } from './commands/schedule-command.js';
import { registerStatusCommand } from './commands/status-command.js';
import { registerSyncCommand } from './commands/sync-command.js';
import { registerWorkerCommand } from './commands/worker-command.js';
import { explainStartupError } from './explain-error.js';
import { ExitCode } from './exit-codes.js';

const program = new Command('license-sync')
  .description("Keeps a Postgres copy of connected accounts' software licenses, read from Truto.")
  .showHelpAfterError()
  .exitOverride();

registerMigrateCommand(program);
registerSyncCommand(program);
registerWorkerCommand(program);
registerEnqueueCommand(program);
registerScheduleCommand(program);
registerStatusCommand(program);

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
