import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/store/database.js';
import { runMigrations } from '../src/store/migrate.js';
import { TEST_DATABASE_URL } from './support/test-database.js';

const MIGRATIONS = path.resolve(import.meta.dirname, '../drizzle');

interface Journal {
  entries: { idx: number; tag: string }[];
}

let database: Database;
let olderMigrations: string;

/** A copy of the migrations folder that stops before `tag`: a database of an older release. */
async function migrationsBefore(tag: string): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'license-sync-migrations-'));
  await cp(MIGRATIONS, folder, { recursive: true });
  const journalFile = path.join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(journalFile, 'utf8')) as Journal;
  const end = journal.entries.findIndex((entry) => entry.tag === tag);
  if (end === -1) throw new Error(`no migration ${tag} in ${MIGRATIONS}`);
  journal.entries = journal.entries.slice(0, end);
  await writeFile(journalFile, JSON.stringify(journal));
  return folder;
}

beforeAll(async () => {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  database = openDatabase({ url: TEST_DATABASE_URL, schema, maxConnections: 2 });
  olderMigrations = await migrationsBefore('0005_usage_day_first_key');
  const client = await database.pool.connect();
  try {
    await client.query(`create schema "${schema}"`);
    await migrate(drizzle({ client }), {
      migrationsFolder: olderMigrations,
      migrationsSchema: schema,
      migrationsTable: 'schema_migrations',
    });
  } finally {
    client.release();
  }
});

afterAll(async () => {
  await database.pool.query(`drop schema if exists "${database.schema}" cascade`);
  await database.close();
  await rm(olderMigrations, { recursive: true, force: true });
});

const usageRows = async () => {
  const result = await database.pool.query<{ row: string }>(
    `select (integrated_account_id, license_id, day, assigned_quantity, run_id)::text as row
     from license_usage_daily order by 1`,
  );
  return result.rows.map((r) => r.row);
};

const primaryKeyColumns = async () => {
  const result = await database.pool.query<{ name: string }>(
    `select a.attname as name
     from pg_index i
     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
     where i.indrelid = 'license_usage_daily'::regclass and i.indisprimary
     order by array_position(i.indkey::int2[], a.attnum)`,
  );
  return result.rows.map((r) => r.name);
};

describe('upgrading a database of an older release', () => {
  it('keeps every usage row when the day comes first in the usage key', async () => {
    await database.pool.query(`
      insert into license_usage_daily
        (integrated_account_id, license_id, day, assigned_quantity, run_id)
      values ('acc-1', 'lic-1', '2026-11-30', 3, 1), ('acc-1', 'lic-1', '2026-12-01', 4, 2),
             ('acc-1', 'lic-2', '2026-12-01', 5, 2), ('acc-2', 'lic-1', '2026-12-01', 6, 3)
    `);
    const before = await usageRows();
    expect(await primaryKeyColumns()).toEqual(['integrated_account_id', 'license_id', 'day']);

    const outcome = await runMigrations(database);

    expect(outcome.applied).toBe(1);
    expect(await usageRows()).toEqual(before);
    expect(await primaryKeyColumns()).toEqual(['day', 'integrated_account_id', 'license_id']);
    const index = await database.pool.query(
      `select to_regclass('license_usage_daily_day_idx') is null as dropped`,
    );
    expect(index.rows[0]).toEqual({ dropped: true });
  });
});
