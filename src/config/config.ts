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

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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
  SYNC_BATCH_SIZE: integer(1, 50_000).default(1_000),
  SYNC_MAX_RECORD_CHARS: integer(1_000, 100_000_000).default(1_000_000),
  SYNC_MAX_RECORD_DEPTH: integer(2, 1_000).default(64),
});

/** Parses the environment, or throws one `ConfigError` that lists every problem at once. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error));
  const env = parsed.data;

  if (env.TRUTO_RETRY_MIN_DELAY_MS > env.TRUTO_RETRY_MAX_DELAY_MS) {
    throw new ConfigError(
      'The configuration is not valid:\n  - TRUTO_RETRY_MIN_DELAY_MS: must not exceed ' +
        'TRUTO_RETRY_MAX_DELAY_MS',
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
