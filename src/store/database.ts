import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { userInfo } from 'node:os';
import pg from 'pg';
import type { NewLicenseLoad } from './license-writes.js';

/** What a query needs: the pool's database, or a transaction open on it. */
export type Db = Pick<
  NodePgDatabase,
  'execute' | 'select' | 'insert' | 'update' | 'delete' | 'transaction'
>;

/** A connection pool whose every connection works in the installation's schema. */
export interface Database {
  db: NodePgDatabase;
  pool: pg.Pool;
  schema: string;
  newLicenses: NewLicenseLoad;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  url: string;
  schema: string;
  /** Connections in the pool: a sync holds two (the account lock and the writer). */
  maxConnections?: number;
  applicationName?: string;
  /** `upsert` for a server without COPY … FROM STDIN, such as PGlite behind pglite-socket. */
  newLicenses?: NewLicenseLoad;
}

export function openDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: withDefaultUser(options.url),
    max: options.maxConnections ?? 4,
    // A pool that cannot hand out a connection for this long is stuck, not busy: failing
    // says so, where waiting would hang the run for ever.
    connectionTimeoutMillis: 60_000,
    application_name: options.applicationName ?? 'license-sync',
    // The schema name was checked to be a plain identifier when the configuration was read.
    options: `-c search_path=${options.schema}`,
  });
  // An idle connection that the server drops (a restart, a terminated backend) surfaces here;
  // without a listener the process would crash. The next query gets a fresh connection.
  pool.on('error', () => undefined);
  // A connection lost while checked out (in a transaction) emits 'error' on its client, which
  // would crash the process just the same; its query, or the next one, fails instead, and
  // the write is retried on a new connection.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });

  return {
    db: drizzle({ client: pool }),
    pool,
    schema: options.schema,
    newLicenses: options.newLicenses ?? 'copy',
    close: () => pool.end(),
  };
}

/**
 * libpq's habit: a URL without a user name connects as the operating-system user. pg only
 * looks at $USER, which service managers and containers often leave unset.
 */
export function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (parsed.username) return url;
  parsed.username = userInfo().username;
  return parsed.toString();
}
