import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { queryParamRulesSchema, type QueryParamRules } from './query-params.js';

/**
 * The whole configuration, read from the environment once at start-up. Nothing else in the
 * program reads `process.env`: every setting a piece needs is handed to it from here.
 */
export interface Config {
  truto: TrutoConfig;
  databaseUrl: string;
  databaseSchema: string;
  redisUrl: string;
  logLevel: string;
  sync: SyncTuning;
  queue: QueueConfig;
  schedule: ScheduleConfig;
  rateLimits: RateLimitConfig;
  /** Integrations known to list licenses; `null`: ask Truto's capabilities endpoint. */
  licenseIntegrations: string[] | null;
  http: HttpConfig;
}

export interface HttpConfig {
  /** `null`: the worker serves no HTTP at all (`HTTP_PORT=off`); 0 picks a free port. */
  port: number | null;
  host: string;
  /** Bull Board is mounted only when both are set. */
  admin: { username: string; password: string } | null;
  /** `POST /webhooks/truto` is mounted only when it is set. */
  webhookSecret: string | undefined;
  /** Events created longer ago than this, or as far ahead, are refused. */
  webhookMaxAgeMs: number;
}

export interface QueueConfig {
  /** Redis key prefix: queues of two installations sharing one Redis never meet. */
  prefix: string;
  concurrency: number;
  attempts: number;
  backoffMs: number;
  /** How long a job's lock lasts without renewal; renewed at half this while it runs. */
  lockDurationMs: number;
  shutdownTimeoutMs: number;
}

export interface ScheduleConfig {
  enabled: boolean;
  cron: string;
  timezone: string;
}

export interface RateLimitConfig {
  perAccount: number;
  perToken: number;
  windowMs: number;
}

export interface TrutoConfig {
  apiUrl: string;
  /** Absent where the command never calls Truto (`migrate`); see `requireApiToken`. */
  apiToken: string | undefined;
  responseFormat: 'stream' | 'unified';
  pageSize: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  /** How long a response body may send nothing before the request counts as stalled. */
  bodyIdleTimeoutMs: number;
  retries: number;
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  /** The longest wait a 429 may ask for that is still waited out in the process. */
  maxRetryAfterMs: number;
  queryParams: QueryParamRules;
}

export interface SyncTuning {
  /** Licenses written per transaction. */
  batchSize: number;
  /** A record whose JSON is longer than this is rejected instead of stored. */
  maxRecordChars: number;
  /** A record nested deeper than this is rejected: Postgres cannot index such jsonb. */
  maxRecordDepth: number;
}

/** Thrown when the environment holds a missing or malformed setting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Records per transaction. Every batch pays its round trips (begin, counts, checkpoint,
 * commit) with Postgres waiting on node between them, whatever its size. A first sync of
 * 100,000 took 5.8-7.5 s in batches of 4,000 against 7.9-8.7 s in batches of 1,000, for some
 * 25 MB more resident memory; 8,000 was no faster and took 20 MB more again.
 */
const DEFAULT_BATCH_SIZE = 4_000;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const booleanText = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((text) => ['true', '1', 'yes', 'on'].includes(text));

function isCronPattern(pattern: string): boolean {
  try {
    CronExpressionParser.parse(pattern);
    return true;
  } catch {
    return false;
  }
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const queryParamsJson = z
  .string()
  .transform((text, context) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      context.addIssue({ code: 'custom', message: 'is not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(queryParamRulesSchema);

const environmentSchema = z.object({
  TRUTO_API_URL: z.url({ protocol: /^https?$/ }).default('https://api.truto.one'),
  TRUTO_API_TOKEN: z.string().min(1).optional(),
  TRUTO_RESPONSE_FORMAT: z.enum(['stream', 'unified']).default('stream'),
  TRUTO_PAGE_SIZE: integer(1, 10_000).default(500),
  TRUTO_CONNECT_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  TRUTO_HEADERS_TIMEOUT_MS: integer(100, 3_600_000).default(120_000),
  TRUTO_BODY_IDLE_TIMEOUT_MS: integer(100, 3_600_000).default(60_000),
  TRUTO_RETRIES: integer(0, 100).default(6),
  TRUTO_RETRY_MIN_DELAY_MS: integer(0, 600_000).default(1_000),
  TRUTO_RETRY_MAX_DELAY_MS: integer(0, 3_600_000).default(60_000),
  TRUTO_MAX_RETRY_AFTER_MS: integer(0, 3_600_000).default(120_000),
  TRUTO_QUERY_PARAMS: queryParamsJson.default({ integrations: {}, accounts: {} }),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .default('postgres://127.0.0.1:5432/postgres'),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .default('license_sync'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  SYNC_BATCH_SIZE: integer(1, 50_000).default(DEFAULT_BATCH_SIZE),
  SYNC_MAX_RECORD_CHARS: integer(1_000, 100_000_000).default(1_000_000),
  SYNC_MAX_RECORD_DEPTH: integer(2, 1_000).default(64),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be letters, digits or _ . : -')
    .default('license-sync'),
  WORKER_CONCURRENCY: integer(1, 256).default(4),
  JOB_ATTEMPTS: integer(1, 100).default(5),
  JOB_BACKOFF_MS: integer(0, 86_400_000).default(60_000),
  JOB_LOCK_DURATION_MS: integer(5_000, 3_600_000).default(120_000),
  SHUTDOWN_TIMEOUT_MS: integer(0, 3_600_000).default(30_000),
  SCHEDULE_ENABLED: booleanText.default(true),
  SCHEDULE_CRON: z.string().refine(isCronPattern, 'must be a cron pattern').default('0 2 * * *'),
  SCHEDULE_TIMEZONE: z.string().refine(isTimeZone, 'must be an IANA time zone').default('UTC'),
  RATE_LIMIT_PER_ACCOUNT: integer(1, 100_000).default(50),
  RATE_LIMIT_PER_TOKEN: integer(1, 1_000_000).default(500),
  RATE_LIMIT_WINDOW_MS: integer(100, 3_600_000).default(10_000),
  LICENSE_INTEGRATIONS: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((name) => name.trim())
        .filter(Boolean),
    )
    .optional(),
  HTTP_PORT: z.union([z.literal('off'), integer(0, 65_535)]).default(3_000),
  // All interfaces by default: probes and Prometheus reach a container on its own address,
  // not on loopback. 127.0.0.1 keeps the server to the machine.
  HTTP_HOST: z.string().min(1).default('0.0.0.0'),
  ADMIN_USERNAME: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  TRUTO_WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_MAX_AGE_MS: integer(1_000, 86_400_000).default(300_000),
});

/** The names of every variable the configuration reads, for checks of its documentation. */
export function configVariableNames(): string[] {
  return Object.keys(environmentSchema.shape);
}

/**
 * Parses the environment, or throws one `ConfigError` that lists every problem at once.
 * `overrides` are settings given on the command line, which win over the environment.
 */
export function loadConfig(
  environment: NodeJS.ProcessEnv = process.env,
  overrides: Record<string, string | undefined> = {},
): Config {
  return parseEnvironment({ ...environment, ...definedOnly(overrides) });
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function parseEnvironment(environment: NodeJS.ProcessEnv): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const env = parsed.data;

  if (env.TRUTO_RETRY_MIN_DELAY_MS > env.TRUTO_RETRY_MAX_DELAY_MS) {
    throw new ConfigError(
      'The configuration is not valid:\n  - TRUTO_RETRY_MIN_DELAY_MS: must not exceed ' +
        'TRUTO_RETRY_MAX_DELAY_MS',
    );
  }
  if ((env.ADMIN_USERNAME === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    throw new ConfigError(
      'The configuration is not valid:\n  - ADMIN_USERNAME, ADMIN_PASSWORD: set both to ' +
        'serve the queue board, or neither',
    );
  }
  return {
    truto: {
      apiUrl: env.TRUTO_API_URL.replace(/\/+$/, ''),
      apiToken: env.TRUTO_API_TOKEN,
      responseFormat: env.TRUTO_RESPONSE_FORMAT,
      pageSize: env.TRUTO_PAGE_SIZE,
      connectTimeoutMs: env.TRUTO_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: env.TRUTO_HEADERS_TIMEOUT_MS,
      bodyIdleTimeoutMs: env.TRUTO_BODY_IDLE_TIMEOUT_MS,
      retries: env.TRUTO_RETRIES,
      retryMinDelayMs: env.TRUTO_RETRY_MIN_DELAY_MS,
      retryMaxDelayMs: env.TRUTO_RETRY_MAX_DELAY_MS,
      maxRetryAfterMs: env.TRUTO_MAX_RETRY_AFTER_MS,
      queryParams: env.TRUTO_QUERY_PARAMS,
    },
    databaseUrl: env.DATABASE_URL,
    databaseSchema: env.DATABASE_SCHEMA,
    redisUrl: env.REDIS_URL,
    logLevel: env.LOG_LEVEL,
    sync: {
      batchSize: env.SYNC_BATCH_SIZE,
      maxRecordChars: env.SYNC_MAX_RECORD_CHARS,
      maxRecordDepth: env.SYNC_MAX_RECORD_DEPTH,
    },
    queue: {
      prefix: env.QUEUE_PREFIX,
      concurrency: env.WORKER_CONCURRENCY,
      attempts: env.JOB_ATTEMPTS,
      backoffMs: env.JOB_BACKOFF_MS,
      lockDurationMs: env.JOB_LOCK_DURATION_MS,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    },
    schedule: {
      enabled: env.SCHEDULE_ENABLED,
      cron: env.SCHEDULE_CRON,
      timezone: env.SCHEDULE_TIMEZONE,
    },
    rateLimits: {
      perAccount: env.RATE_LIMIT_PER_ACCOUNT,
      perToken: env.RATE_LIMIT_PER_TOKEN,
      windowMs: env.RATE_LIMIT_WINDOW_MS,
    },
    licenseIntegrations: env.LICENSE_INTEGRATIONS ?? null,
    http: {
      port: env.HTTP_PORT === 'off' ? null : env.HTTP_PORT,
      host: env.HTTP_HOST,
      admin:
        env.ADMIN_USERNAME !== undefined && env.ADMIN_PASSWORD !== undefined
          ? { username: env.ADMIN_USERNAME, password: env.ADMIN_PASSWORD }
          : null,
      webhookSecret: env.TRUTO_WEBHOOK_SECRET,
      webhookMaxAgeMs: env.WEBHOOK_MAX_AGE_MS,
    },
  };
}

/** The API token, for commands that call Truto; stops them before any work without one. */
export function requireApiToken(config: Config): string {
  if (config.truto.apiToken !== undefined) return config.truto.apiToken;
  throw new ConfigError(
    'The configuration is not valid:\n  - TRUTO_API_TOKEN: is required to call Truto; ' +
      'create an API token in the Truto dashboard and set it in the environment',
  );
}

/**
 * One line per problem, naming the variable. Values are never echoed: a malformed
 * DATABASE_URL or token would otherwise print the secret it holds.
 */
function describeIssues(error: z.ZodError): string {
  const lines = error.issues.map((issue) => {
    const name = issue.path.map(String).join('.');
    return `  - ${name}: ${issue.message}`;
  });
  return `The configuration is not valid:\n${lines.join('\n')}`;
}
