import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type { Database } from './database.js';

const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Any constant works; it only has to differ from the per-account sync locks' class. */
const MIGRATION_LOCK = 7_341_001;

/**
 * Brings the schema up to date. Safe to run again, and from several processes at once: an
 * advisory lock makes the others wait, after which they find nothing left to do.
 */
export async function runMigrations(database: Database): Promise<void> {
  const client = await database.pool.connect();
  try {
    await client.query(`create schema if not exists "${database.schema}"`);
    await client.query('select pg_advisory_lock($1, hashtext($2))', [
      MIGRATION_LOCK,
      database.schema,
    ]);
    await migrate(drizzle({ client }), {
      migrationsFolder: MIGRATIONS_FOLDER,
      migrationsSchema: database.schema,
      migrationsTable: 'schema_migrations',
    });
  } finally {
    await client
      .query('select pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK, database.schema])
      .catch(() => undefined);
    client.release();
  }
}
