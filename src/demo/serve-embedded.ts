import path from 'node:path';
import type { DemoConfig } from '../config/demo-config.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/** psql takes one connection and graphical clients a few; all share PGlite's one session. */
const CLIENT_CONNECTIONS = 8;

/**
 * Keeps the demo's embedded Postgres open on a port of 127.0.0.1 for any Postgres client
 * (psql, a graphical one) until the process is asked to stop; the folder stays locked
 * against other demos meanwhile.
 */
export async function serveEmbedded(
  demo: DemoConfig,
  dataDir: string,
  port: number,
  print: (text: string) => void,
): Promise<void> {
  const schema = demo.config.databaseSchema;
  const embedded = await startEmbeddedPostgres({
    dataDir,
    schema,
    port,
    maxConnections: CLIENT_CONNECTIONS,
  });
  try {
    const folder = path.relative(process.cwd(), dataDir) || dataDir;
    print(
      `The embedded Postgres in ${folder} is open at ${embedded.url}, schema "${schema}" ` +
        `first in the search path. For example:\n  psql "${embedded.url}?sslmode=disable"\n` +
        'Ctrl-C closes it.',
    );
    await stopRequested();
  } finally {
    await embedded.close();
  }
}

function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => {
      resolve();
    });
    process.once('SIGTERM', () => {
      resolve();
    });
  });
}
