import { Redis } from 'ioredis';

/**
 * A Redis connection for BullMQ. `maxRetriesPerRequest: null` is what BullMQ's workers need:
 * their blocking calls must wait through a Redis restart instead of failing after a few tries.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  // Connection errors are retried by ioredis itself and surface on the calls that need Redis;
  // without a listener each one would also be printed as an unhandled 'error' event.
  redis.on('error', () => undefined);
  return redis;
}
