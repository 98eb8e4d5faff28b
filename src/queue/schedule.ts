import { CronExpressionParser } from 'cron-parser';
import type { ScheduleConfig } from '../config/config.js';
import { JobName, Priority } from './job-types.js';
import type { LicenseQueue } from './license-queue.js';

/** The one scheduler of the nightly fan-out; its id is what makes registering idempotent. */
export const NIGHTLY_SCHEDULER_ID = 'nightly-sync';

/**
 * Registers the nightly schedule as configured, or removes it when it is turned off. Every
 * worker calls this as it starts: BullMQ's upsert keeps one scheduler whatever the number of
 * callers, and replaces its pattern and time zone when the configuration changed.
 */
export async function registerSchedule(
  queue: LicenseQueue,
  schedule: ScheduleConfig,
): Promise<void> {
  if (!schedule.enabled) {
    await queue.removeJobScheduler(NIGHTLY_SCHEDULER_ID);
    return;
  }
  await queue.upsertJobScheduler(
    NIGHTLY_SCHEDULER_ID,
    { pattern: schedule.cron, tz: schedule.timezone },
    {
      name: JobName.syncAll,
      data: { trigger: 'schedule' },
      opts: { priority: Priority.scheduled },
    },
  );
}

export interface ScheduleDescription {
  configured: ScheduleConfig;
  /** What Redis holds; it differs from the configuration until a worker restarts. */
  registered: { pattern: string | null; timezone: string | null; nextRunAt: string | null } | null;
  nextRuns: string[];
}

export async function describeSchedule(
  queue: LicenseQueue,
  configured: ScheduleConfig,
  count = 5,
): Promise<ScheduleDescription> {
  const scheduler = await queue.getJobScheduler(NIGHTLY_SCHEDULER_ID);
  const registered = scheduler
    ? {
        pattern: scheduler.pattern ?? null,
        timezone: scheduler.tz ?? null,
        nextRunAt: scheduler.next === undefined ? null : new Date(scheduler.next).toISOString(),
      }
    : null;
  const nextRuns = configured.enabled ? upcomingRuns(configured, count) : [];
  return { configured, registered, nextRuns };
}

function upcomingRuns(schedule: ScheduleConfig, count: number): string[] {
  const expression = CronExpressionParser.parse(schedule.cron, { tz: schedule.timezone });
  return expression.take(count).map((date) => date.toISOString() ?? '');
}
