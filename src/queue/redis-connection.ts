import { Redis } from 'ioredis';
import { redactUrl } from '../config/redact-url.js';

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

/**
 * A command gave up waiting for Redis. Its own class because the command line turns it into
 * advice; its message names the URL with the password masked, so logging it leaks nothing.
 */
export class RedisUnreachableError extends Error {
  override name = 'RedisUnreachableError';

  constructor(url: string, waitedMs: number) {
    const where = redactUrl(url, 'REDIS_URL');
    super(`Could not connect to Redis at ${where} within ${waitedMs / 1000} s`);
  }
}
