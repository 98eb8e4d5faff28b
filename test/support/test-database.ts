import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../src/store/database.js';
import { runMigrations } from '../../src/store/migrate.js';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';

/** A migrated schema of its own for one test file, dropped again by `drop`. */
export async function createTestDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const database = openDatabase({ url: TEST_DATABASE_URL, schema, maxConnections: 6 });
  await runMigrations(database);
  return {
    ...database,
    async drop() {
      await database.pool.query(`drop schema if exists "${schema}" cascade`);
      await database.close();
    },
  };
}

/** Every row of every table as text, to search for what must never be stored. */
export async function dumpAllTables(database: Database): Promise<string> {
  const tables = await database.pool.query<{ table_name: string }>(
    'select table_name from information_schema.tables where table_schema = $1',
    [database.schema],
  );
  const parts: string[] = [];
  for (const { table_name } of tables.rows) {
    const rows = await database.pool.query<{ row: string }>(
      `select t::text as row from "${database.schema}"."${table_name}" t`,
    );
    parts.push(...rows.rows.map((r) => r.row));
  }
  return parts.join('\n');
}
