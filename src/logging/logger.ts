import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that could hold a secret. The client never logs request headers and errors carry no
 * token, so these are the second line of defence, not the first.
 */
const REDACTED_PATHS = [
  'token',
  'apiToken',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'databaseUrl',
  'password',
  '*.token',
  '*.apiToken',
  '*.authorization',
  '*.password',
];

/** Logs go to standard error, so that standard output stays free for command results. */
export function createLogger(
  level: string,
  destination: DestinationStream = pino.destination(2),
): Logger {
  return pino(
    {
      level,
      base: { service: 'license-sync' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}
