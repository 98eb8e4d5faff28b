import path from 'node:path';
import { poolSize } from '../app/runtime.js';
import type { DemoConfig } from '../config/demo-config.js';
import { redactUrl } from '../config/redact-url.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/** The Postgres the demo writes to, as a URL for the store, and where it is, for people. */
export interface DemoStore {
  databaseUrl: string;
  description: string;
  close(): Promise<void>;
}

/** DATABASE_URL when it is set; else the embedded Postgres in `dataDir`. */
export async function openDemoStore(demo: DemoConfig, dataDir: string): Promise<DemoStore> {
  const { config } = demo;
  const schema = `schema "${config.databaseSchema}"`;

  if (!demo.useEmbeddedDatabase) {
    return {
      databaseUrl: config.databaseUrl,
      description: `Postgres at ${redactUrl(config.databaseUrl, 'DATABASE_URL')}, ${schema}`,
      close: () => Promise.resolve(),
    };
  }

  const embedded = await startEmbeddedPostgres({
    dataDir,
    schema: config.databaseSchema,
    maxConnections: poolSize(config),
  });
  const folder = path.relative(process.cwd(), dataDir) || dataDir;
  return {
    databaseUrl: embedded.url,
    description: `the embedded Postgres (PGlite) in ${folder}, ${schema}`,
    close: () => embedded.close(),
  };
}
