import pRetry from 'p-retry';
import type { Logger } from '../logging/logger.js';

/**
 * Postgres error classes that a new attempt on a new connection can get past: a lost
 * connection (08), the server shutting down or restarting (57P01–57P03), and conflicts
 * between transactions (40001, 40P01).
 */
const TRANSIENT_CODES = new Set(['57P01', '57P02', '57P03', '40001', '40P01']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);

export function isTransientDatabaseError(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (code.startsWith('08') || TRANSIENT_CODES.has(code) || NETWORK_CODES.has(code)) {
        return true;
      }
    }
    if (/Connection terminated|connection timeout/i.test(current.message)) return true;
  }
  return false;
}

/** Retries a write across a lost connection or a restart; every write here is idempotent. */
export async function withDatabaseRetries<T>(
  work: () => Promise<T>,
  logger: Logger,
  signal?: AbortSignal,
): Promise<T> {
  return pRetry(work, {
    retries: 6,
    minTimeout: 200,
    maxTimeout: 5_000,
    randomize: true,
    signal,
    shouldRetry: ({ error }) => isTransientDatabaseError(error),
    onFailedAttempt: ({ error, attemptNumber }) => {
      if (!isTransientDatabaseError(error)) return;
      logger.warn(
        { err: databaseErrorSummary(error), attempt: attemptNumber },
        'Postgres write failed; retrying',
      );
    },
  });
}

/**
 * What of a database error is safe to log: drizzle's own message holds the query's bound
 * values, which may be anything from a license record, so only codes and names are kept.
 */
function databaseErrorSummary(error: unknown): Record<string, unknown> {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const fields = cause as { code?: unknown; constraint?: unknown; table?: unknown };
  return {
    type: cause instanceof Error ? cause.name : typeof cause,
    code: fields.code,
    constraint: fields.constraint,
    table: fields.table,
    message: cause instanceof Error ? cause.message.slice(0, 300) : undefined,
  };
}
