import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { loadConfig } from '../../config/config.js';
import { withLicenseQueue } from '../../queue/license-queue.js';
import { gatherStatus, type QueueStatus } from '../../queue/queue-status.js';
import { runMigrations } from '../../store/migrate.js';
import { formatTable } from '../table.js';

/** Accounts shown on a terminal; `--json` lists them all. */
const ACCOUNTS_SHOWN = 40;

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show queue counts, running jobs, each account’s last run and recent failures.')
    .option('--json', 'print everything as one JSON object')
    .addHelpText(
      'after',
      '\nExamples:\n  $ license-sync status\n  $ license-sync status --json | jq .counts',
    )
    .action(async (options: { json?: boolean }) => {
      const runtime = openRuntime(loadConfig());
      const { redisUrl, queue: queueConfig } = runtime.config;
      try {
        await runMigrations(runtime.database);
        const status = await withLicenseQueue(redisUrl, queueConfig, (queue) =>
          gatherStatus(queue, runtime.database.db),
        );
        console.log(options.json === true ? JSON.stringify(status) : describeStatus(status));
      } finally {
        await runtime.close();
      }
    });
}

function describeStatus(status: QueueStatus): string {
  const counts = Object.entries(status.counts)
    .map(([state, count]) => `${state} ${count}`)
    .join(', ');
  const running = formatTable(
    ['job', 'kind', 'account', 'started', 'progress'],
    status.running.map((job) => [
      job.jobId ?? null,
      job.name,
      job.integratedAccountId,
      job.startedAt,
      describeProgress(job.progress),
    ]),
  );
  const accounts = formatTable(
    ['account', 'integration', 'last run', 'result', 'last success', 'failures', 'reauth'],
    status.accounts
      .slice(0, ACCOUNTS_SHOWN)
      .map((account) => [
        account.id,
        account.integration,
        account.lastRunAt,
        account.lastRunStatus,
        account.lastSuccessAt,
        account.consecutiveFailures,
        account.needsReauth ? 'needed' : '',
      ]),
  );
  const more = status.accounts.length - ACCOUNTS_SHOWN;
  const failures = formatTable(
    ['run', 'account', 'finished', 'error'],
    status.recentFailures.map((run) => [
      run.runId,
      run.integratedAccountId,
      run.finishedAt,
      (run.error ?? '').slice(0, 80),
    ]),
  );
  return [
    `queue: ${counts}`,
    '',
    'running',
    running,
    '',
    'accounts',
    accounts,
    ...(more > 0 ? [`… and ${more} more (see --json)`] : []),
    '',
    'recent failures',
    failures,
  ].join('\n');
}

function describeProgress(progress: unknown): string | null {
  if (typeof progress !== 'object' || progress === null) return null;
  const { pages, recordsSeen } = progress as { pages?: number; recordsSeen?: number };
  return `${pages ?? 0} pages, ${recordsSeen ?? 0} records`;
}
