import { Redis } from 'ioredis';
import type { Database } from '../../src/store/database.js';

export function occurrences(text: string, secret: string): number {
  return text.split(secret).length - 1;
}

/** How often the secret appears in any key or value under the prefixes. */
export async function scanRedis(
  redisUrl: string,
  prefixes: readonly string[],
  secret: string,
): Promise<{ keys: number; found: number }> {
  const redis = new Redis(redisUrl);
  let keys = 0;
  let found = 0;
  try {
    for (const prefix of prefixes) {
      for (const key of await redis.keys(`${prefix}:*`)) {
        keys += 1;
        found += occurrences(key, secret) + occurrences(await dumpRedisValue(redis, key), secret);
      }
    }
  } finally {
    redis.disconnect();
  }
  return { keys, found };
}

/** A key's value as text, whatever its type, to search it for a secret. */
export async function dumpRedisValue(redis: Redis, key: string): Promise<string> {
  const type = await redis.type(key);
  if (type === 'string') return (await redis.get(key)) ?? '';
  if (type === 'hash') return JSON.stringify(await redis.hgetall(key));
  if (type === 'list') return JSON.stringify(await redis.lrange(key, 0, -1));
  if (type === 'set') return JSON.stringify(await redis.smembers(key));
  if (type === 'zset') return JSON.stringify(await redis.zrange(key, 0, -1));
  if (type === 'stream') return JSON.stringify(await redis.xrange(key, '-', '+'));
  return '';
}

/** How often the secret appears in any row of any table of the schema. */
export async function scanDatabase(
  database: Database,
  secret: string,
): Promise<{ rows: number; found: number }> {
  const tables = await database.pool.query<{ table_name: string }>(
    'select table_name from information_schema.tables where table_schema = $1',
    [database.schema],
  );
  let rows = 0;
  let found = 0;
  for (const { table_name } of tables.rows) {
    const result = await database.pool.query<{ row: string }>(
      `select t::text as row from "${database.schema}"."${table_name}" t`,
    );
    rows += result.rows.length;
    for (const { row } of result.rows) found += occurrences(row, secret);
  }
  return { rows, found };
}
