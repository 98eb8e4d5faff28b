import type { Hono } from 'hono';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import type { Database } from '../store/database.js';
import { withTimeout } from './with-timeout.js';

/** Long enough for a busy Postgres, short enough for a probe that times out at a few seconds. */
const CHECK_TIMEOUT_MS = 2_000;

export interface ReadinessSources {
  database: Database;
  redis: Redis;
  logger: Logger;
}

/**
 * `/healthz` answers while the process runs, without asking anything else: a restart cures
 * no database outage. `/readyz` says whether Postgres and Redis answer, naming the one that
 * does not (never its URL, which may hold a password).
 */
export function mountHealth(app: Hono, sources: ReadinessSources): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = {
      postgres: await check(sources, 'postgres', () => sources.database.pool.query('select 1')),
      redis: await check(sources, 'redis', () => sources.redis.ping()),
    };
    const ready = checks.postgres === 'ok' && checks.redis === 'ok';
    return c.json({ status: ready ? 'ready' : 'not ready', checks }, ready ? 200 : 503);
  });
}

async function check(
  sources: ReadinessSources,
  name: string,
  probe: () => Promise<unknown>,
): Promise<'ok' | 'unreachable'> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS, name);
    return 'ok';
  } catch (error) {
    sources.logger.warn({ err: error, dependency: name }, 'readiness check failed');
    return 'unreachable';
  }
}
