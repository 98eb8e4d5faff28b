import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import type pg from 'pg';
import type { Database } from './database.js';

const MIGRATIONS_FOLDER = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../drizzle');

/** Any constant works; it only has to differ from the per-account sync locks' class. */
const MIGRATION_LOCK = 7_341_001;

const MIGRATIONS_TABLE = 'schema_migrations';

export interface MigrationOutcome {
  /** Migrations this call applied; 0 when the schema was already up to date. */
  applied: number;
  /** Migrations the schema holds now. */
  total: number;
}

/**
 * Brings the schema up to date. Safe to run again, and from several processes at once: an
 * advisory lock makes the others wait, after which they find nothing left to do.
 */
export async function runMigrations(database: Database): Promise<MigrationOutcome> {
  const client = await database.pool.connect();
  try {
    await client.query(`create schema if not exists "${database.schema}"`);
    await client.query('select pg_advisory_lock($1, hashtext($2))', [
      MIGRATION_LOCK,
      database.schema,
    ]);
    const before = await countApplied(client, database.schema);
    await migrate(drizzle({ client }), {
      migrationsFolder: MIGRATIONS_FOLDER,
      migrationsSchema: database.schema,
      migrationsTable: MIGRATIONS_TABLE,
    });
    const total = await countApplied(client, database.schema);
    return { applied: total - before, total };
  } finally {
    await client
      .query('select pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK, database.schema])
      .catch(() => undefined);
    client.release();
  }
}

async function countApplied(client: pg.PoolClient, schema: string): Promise<number> {
  const table = `"${schema}"."${MIGRATIONS_TABLE}"`;
  const exists = await client.query<{ found: boolean }>(
    'select to_regclass($1) is not null as found',
    [table],
  );
  if (exists.rows[0]?.found !== true) return 0;
  const counted = await client.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return counted.rows[0]?.n ?? 0;
}
