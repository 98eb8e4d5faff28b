import type { Command } from 'commander';
import { loadConfig } from '../../config/config.js';
import { openLicenseQueue } from '../../queue/license-queue.js';
import { connectRedis } from '../../queue/redis-connection.js';
import { describeSchedule } from '../../queue/schedule.js';

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
      const redis = connectRedis(config.redisUrl);
      const queue = openLicenseQueue(redis, config.queue);
      try {
        await queue.waitUntilReady();
        const description = await describeSchedule(queue, config.schedule, Number(options.next));
        if (options.json === true) {
          console.log(JSON.stringify(description));
          return;
        }
        const { configured, registered, nextRuns } = description;
        const state = configured.enabled ? 'enabled' : 'disabled';
        console.log(`configured: ${configured.cron} (${configured.timezone}), ${state}`);
        const inRedis = registered
          ? `${registered.pattern ?? '?'} (${registered.timezone ?? 'UTC'}), next at ${registered.nextRunAt ?? '?'}`
          : 'none (no worker has registered it yet, or it is disabled)';
        console.log(`registered: ${inRedis}`);
        for (const run of nextRuns) console.log(`  next: ${run}`);
      } finally {
        await queue.close();
        redis.disconnect();
      }
    });
}
