import type { Command } from 'commander';
import { openRuntime, syncDependencies } from '../../app/runtime.js';
import { loadConfig } from '../../config/config.js';
import { createMemoryRateLimits } from '../../truto/redis-rate-limits.js';
import { runMigrations } from '../../store/migrate.js';
import { syncAccount, type RunResult } from '../../sync/sync-account.js';
import { ExitCode } from '../exit-codes.js';
import { describeCounts, terminalProgress } from '../progress.js';

interface SyncOptions {
  account: string;
  integration?: string;
  full?: boolean;
  json?: boolean;
}

export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('Sync one integrated account now, in the foreground, without Redis.')
    .requiredOption('-a, --account <id>', 'the integrated account id')
    .option('-i, --integration <name>', 'its integration, for per-integration query parameters')
    .option('--full', 'ignore any checkpoint and list the account from the first page')
    .option('--json', 'print the outcome as one JSON object')
    .addHelpText(
      'after',
      `
Applies pending migrations first. Exits 0 when the run succeeded, 1 when it failed,
3 when another process is syncing the account.

Examples:
  $ license-sync sync --account 3f0c…e1
  $ license-sync sync --account 3f0c…e1 --integration microsoft365 --full`,
    )
    .action(async (options: SyncOptions) => {
      process.exitCode = await runSync(options);
    });
}

async function runSync(options: SyncOptions): Promise<number> {
  const runtime = openRuntime(loadConfig());
  // The foreground sync keeps to the rate limits on its own; workers share theirs in Redis.
  const deps = syncDependencies(runtime, createMemoryRateLimits(runtime.config.rateLimits));
  const progress = terminalProgress();
  try {
    await runMigrations(runtime.database);
    const result = await syncAccount(deps, {
      integratedAccountId: options.account,
      integration: options.integration,
      trigger: 'cli',
      full: options.full === true,
      onProgress: (counts) => {
        progress.update(counts);
      },
    });
    progress.clear();
    console.log(options.json === true ? JSON.stringify(toJson(result)) : summaryLine(result));
    return result.status === 'succeeded' ? ExitCode.ok : ExitCode.failed;
  } finally {
    progress.clear();
    await deps.truto.close();
    await runtime.close();
  }
}

function summaryLine(result: RunResult): string {
  const seconds = (result.durationMs / 1000).toFixed(1);
  const head = `${result.integratedAccountId}: ${result.status} in ${seconds}s (run ${result.runId}`;
  const resumed = result.resumed ? ', resumed from checkpoint' : '';
  const tail = result.error ? ` — ${result.error.message}` : '';
  return `${head}${resumed}): ${describeCounts(result.counts)}${tail}`;
}

function toJson(result: RunResult) {
  return { ...result, error: result.error?.message ?? null };
}
