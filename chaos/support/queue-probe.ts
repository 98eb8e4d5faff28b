import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config/config.js';
import { openLicenseQueue, type LicenseQueue } from '../../src/queue/license-queue.js';

/** The suite's own look at a queue: whether any job is still waiting, delayed or running. */
export interface QueueProbe {
  queue: LicenseQueue;
  /** Jobs not yet finished for good. */
  pendingJobs(): Promise<number>;
  close(): Promise<void>;
}

export function openQueueProbe(environment: Record<string, string>): QueueProbe {
  const config = loadConfig(environment);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null });
  const queue = openLicenseQueue(redis, config.queue);
  return {
    queue,
    pendingJobs: async () => {
      const counts = await queue.getJobCounts(
        'active',
        'waiting',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      return Object.values(counts).reduce((sum, count) => sum + count, 0);
    },
    close: async () => {
      await queue.close();
      redis.disconnect();
    },
  };
}
