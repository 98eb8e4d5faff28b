import path from 'node:path';
import { poolSize } from '../app/runtime.js';
import type { DemoConfig } from '../config/demo-config.js';
import { redactUrl } from '../config/redact-url.js';
import type { NewLicenseLoad } from '../store/license-writes.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';

/** The Postgres the demo writes to, as a URL for the store, and where it is, for people. */
export interface DemoStore {
  databaseUrl: string;
  /** PGlite behind pglite-socket does not take COPY … FROM STDIN. */
  newLicenses: NewLicenseLoad;
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
      newLicenses: 'copy',
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
    newLicenses: 'upsert',
    description: `the embedded Postgres (PGlite) in ${folder}, ${schema}`,
    close: () => embedded.close(),
  };
}
