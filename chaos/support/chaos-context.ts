import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDatabase, withDefaultUser, type Database } from '../../src/store/database.js';
import { runMigrations } from '../../src/store/migrate.js';
import {
  startTrutoStandIn,
  type StandInAccount,
  type TrutoStandIn,
} from '../../src/stand-in/truto-stand-in.js';
import type { OutputSink } from './cli-process.js';
import { ReferenceStore } from './reference-store.js';
import { seededRandom, type SeededRandom } from './seeded-random.js';

export interface ChaosOptions {
  licenses: number;
  kills: number;
  seed: number;
  json: boolean;
  /** Scenario names to run; empty: all of them. */
  only: string[];
  /** Whether scenarios may start throw-away Postgres and Redis servers. */
  ownServers: boolean;
}

/** Where the suite's shared services are; like the tests, overridable for another machine. */
const DATABASE_URL = withDefaultUser(
  process.env.CHAOS_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test',
);
const REDIS_URL = process.env.CHAOS_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * What every scenario shares: the options, the seeded randomness, one API token (which the
 * secret scan then looks for everywhere), the output of every child, and every schema, queue
 * prefix and stand-in made, so that all of it is scanned and removed at the end.
 */
export class ChaosContext {
  readonly random: SeededRandom;
  readonly token = `chaos-token-${randomBytes(12).toString('hex')}`;
  readonly databaseUrl = DATABASE_URL;
  readonly redisUrl = REDIS_URL;
  readonly output: OutputSink = [];
  readonly schemas: Database[] = [];
  readonly prefixes: string[] = [];
  readonly reference: ReferenceStore;
  readonly #standIns: TrutoStandIn[] = [];
  readonly #cleanups: (() => Promise<void>)[] = [];

  constructor(readonly options: ChaosOptions) {
    this.random = seededRandom(options.seed);
    this.reference = new ReferenceStore(this);
  }

  log(message: string): void {
    process.stderr.write(`[chaos] ${message}\n`);
  }

  /** A migrated schema of the suite's own on the shared server, dropped at the end. */
  async createSchema(name: string): Promise<Database> {
    const schema = `chaos_${name}_${randomBytes(4).toString('hex')}`;
    const database = openDatabase({ url: this.databaseUrl, schema, maxConnections: 4 });
    await runMigrations(database);
    this.schemas.push(database);
    return database;
  }

  /** A queue prefix of the suite's own on the shared Redis, removed at the end. */
  newPrefix(name: string): string {
    const prefix = `chaos-${name}-${randomBytes(4).toString('hex')}`;
    this.prefixes.push(prefix);
    return prefix;
  }

  async startStandIn(accounts: StandInAccount[], pageSize = 500): Promise<TrutoStandIn> {
    const standIn = await startTrutoStandIn({
      token: this.token,
      accounts,
      defaultPageSize: pageSize,
    });
    this.#standIns.push(standIn);
    return standIn;
  }

  /** Runs at the end, last registered first, whether the suite passed or not. */
  onCleanup(cleanup: () => Promise<void>): void {
    this.#cleanups.push(cleanup);
  }

  /**
   * The environment of a `license-sync` child: fast retries and short time-outs so that faults
   * resolve in seconds, rate limits out of the way, no nightly schedule.
   */
  environment(
    target: { databaseUrl?: string; schema: string; redisUrl?: string; prefix?: string },
    standIn: TrutoStandIn,
    overrides: Record<string, string> = {},
  ): Record<string, string> {
    return {
      DATABASE_URL: target.databaseUrl ?? this.databaseUrl,
      DATABASE_SCHEMA: target.schema,
      REDIS_URL: target.redisUrl ?? this.redisUrl,
      QUEUE_PREFIX: target.prefix ?? 'chaos-unused',
      TRUTO_API_URL: standIn.url,
      TRUTO_API_TOKEN: this.token,
      TRUTO_RETRIES: '4',
      TRUTO_RETRY_MIN_DELAY_MS: '50',
      TRUTO_RETRY_MAX_DELAY_MS: '500',
      TRUTO_MAX_RETRY_AFTER_MS: '5000',
      TRUTO_HEADERS_TIMEOUT_MS: '3000',
      TRUTO_BODY_IDLE_TIMEOUT_MS: '2000',
      RATE_LIMIT_PER_ACCOUNT: '100000',
      RATE_LIMIT_PER_TOKEN: '1000000',
      JOB_LOCK_DURATION_MS: '5000',
      JOB_BACKOFF_MS: '200',
      SHUTDOWN_TIMEOUT_MS: '3000',
      SCHEDULE_ENABLED: 'false',
      LOG_LEVEL: 'info',
      ...overrides,
    };
  }

  /** Closes stand-ins, runs the scenarios' clean-ups, drops schemas and queue prefixes. */
  async close(): Promise<void> {
    for (const cleanup of this.#cleanups.reverse()) {
      await cleanup().catch((error: unknown) => {
        this.log(`clean-up failed: ${String(error)}`);
      });
    }
    await Promise.all(this.#standIns.map((standIn) => standIn.close()));
    await dropPrefixes(this.redisUrl, this.prefixes);
    await dropSchemas(this.databaseUrl, this.schemas);
  }
}

async function dropPrefixes(redisUrl: string, prefixes: readonly string[]): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (const prefix of prefixes) {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

async function dropSchemas(databaseUrl: string, schemas: readonly Database[]): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const database of schemas) {
      await database.close().catch(() => undefined);
      await client.query(`drop schema if exists "${database.schema}" cascade`);
    }
  } finally {
    await client.end();
  }
}
