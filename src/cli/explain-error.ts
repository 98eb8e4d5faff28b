import { loadConfig, type Config } from '../config/config.js';
import { redactUrl } from '../config/redact-url.js';
import { RedisUnreachableError } from '../queue/redis-connection.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** Postgres's code for a table that does not exist: on our search_path, not migrated yet. */
const UNDEFINED_TABLE = '42P01';

/**
 * Turns an error that stopped a command into what happened and what to do next. Every URL it
 * names has its password masked.
 */
export function explainStartupError(error: unknown): string {
  if (error instanceof RedisUnreachableError) {
    return (
      `${error.message}. Start Redis there (locally: redis-server, or ` +
      'docker run -d -p 6379:6379 redis:7), or set REDIS_URL to one that runs.'
    );
  }
  const code = findCode(error);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return (
      `Could not connect to Postgres at ${databaseLocation()} (${code}). Start Postgres there ` +
      '(locally: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16), ' +
      'or set DATABASE_URL to one that runs (see the README).'
    );
  }
  if (code === UNDEFINED_TABLE) {
    return (
      `The tables of license-sync are not in schema "${databaseSchema()}" at ` +
      `${databaseLocation()}: run \`license-sync migrate\` with the same DATABASE_URL and ` +
      'DATABASE_SCHEMA first.'
    );
  }
  if (code === '3D000') {
    return `The database in DATABASE_URL (${databaseLocation()}) does not exist; create it first.`;
  }
  if (code === '28P01' || code === '28000') {
    return (
      `Postgres refused the credentials in DATABASE_URL (${databaseLocation()}); ` +
      'check its user name and password.'
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return `license-sync stopped: ${message}`;
}

const databaseLocation = () =>
  setting((config) => redactUrl(config.databaseUrl, 'DATABASE_URL'), 'DATABASE_URL');

const databaseSchema = () => setting((config) => config.databaseSchema, 'DATABASE_SCHEMA');

/** A setting to name in a message; the variable itself where the configuration is unreadable. */
function setting(read: (config: Config) => string, variable: string): string {
  try {
    return read(loadConfig());
  } catch {
    return variable;
  }
}

function findCode(error: unknown): string | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const nested = (current as { errors?: unknown }).errors;
    if (Array.isArray(nested) && nested[0] instanceof Error) return findCode(nested[0]);
  }
  return undefined;
}
