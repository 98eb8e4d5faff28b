import type { Command } from 'commander';
import { openRuntime } from '../../app/runtime.js';
import { loadConfig } from '../../config/config.js';
import { startWorker } from '../../queue/worker.js';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run a queue worker: the nightly schedule, on-demand syncs and refreshes.')
    .option('-c, --concurrency <n>', 'jobs run at once (default: WORKER_CONCURRENCY)')
    .addHelpText(
      'after',
      `
Start as many workers as you like, on one machine or many, against the same Redis and
Postgres: each account is synced by one of them at a time. SIGTERM or SIGINT stops a worker
gracefully: running syncs commit their current batch, and another worker resumes them.

Examples:
  $ license-sync worker
  $ WORKER_CONCURRENCY=8 SCHEDULE_CRON="30 1 * * *" SCHEDULE_TIMEZONE=Europe/Berlin license-sync worker`,
    )
    .action(async (options: { concurrency?: string }) => {
      const config = loadConfig(undefined, { WORKER_CONCURRENCY: options.concurrency });
      const runtime = openRuntime(config);
      const worker = await startWorker(runtime);
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => {
          void worker.stop();
        });
      }
      await worker.stopped;
    });
}
