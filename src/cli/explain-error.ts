import { loadConfig } from '../config/config.js';
import { redactUrl } from '../config/redact-url.js';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** Turns an error that stopped a command into advice; never prints a password. */
export function explainStartupError(error: unknown): string {
  const code = findCode(error);
  if (code !== undefined && UNREACHABLE.has(code)) {
    return (
      `Could not connect to Postgres at ${databaseLocation()} (${code}). Start Postgres, ` +
      'or set DATABASE_URL to one that runs (see the README).'
    );
  }
  if (code === '3D000') {
    return `The database in DATABASE_URL (${databaseLocation()}) does not exist; create it first.`;
  }
  if (code === '28P01' || code === '28000') {
    return `Postgres refused the credentials in DATABASE_URL (${databaseLocation()}).`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `license-sync stopped: ${message}`;
}

function databaseLocation(): string {
  try {
    return redactUrl(loadConfig().databaseUrl, 'DATABASE_URL');
  } catch {
    return 'DATABASE_URL';
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
