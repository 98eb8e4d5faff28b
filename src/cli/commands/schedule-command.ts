import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { withLicenseQueue } from '../../queue/license-queue.js';
import { describeSchedule, type ScheduleDescription } from '../../queue/schedule.js';

export function registerScheduleCommand(program: Command): void {
  program
    .command('schedule')
    .description('Show the nightly schedule: as configured, as registered, and its next runs.')
    .option('-n, --next <count>', 'how many upcoming runs to show', '5')
    .option('--json', 'print it as one JSON object')
    .addHelpText(
      'after',
      `
The schedule comes from SCHEDULE_CRON, SCHEDULE_TIMEZONE and SCHEDULE_ENABLED; workers
register it when they start, so a change takes effect at the next worker start.

Examples:
  $ license-sync schedule
  $ SCHEDULE_CRON="0 3 * * 1-5" SCHEDULE_TIMEZONE=America/New_York license-sync schedule`,
    )
    .action(async (options: { next: string; json?: boolean }) => {
      const config = loadConfig();
      const description = await withLicenseQueue(config.redisUrl, config.queue, (queue) =>
        describeSchedule(queue, config.schedule, Number(options.next)),
      );
      console.log(options.json === true ? JSON.stringify(description) : explain(description));
    });
}

function explain({ configured, registered, nextRuns }: ScheduleDescription): string {
  const state = configured.enabled ? 'enabled' : 'disabled';
  const inRedis = registered
    ? `${registered.pattern ?? '?'} (${registered.timezone ?? 'UTC'}), ` +
      `next at ${registered.nextRunAt ?? '?'}`
    : 'none (no worker has registered it yet, or it is disabled)';
  return [
    `configured: ${configured.cron} (${configured.timezone}), ${state}`,
    `registered: ${inRedis}`,
    ...nextRuns.map((run) => `  next: ${run}`),
  ].join('\n');
}
