import type { QueryResult } from 'pg';
import { formatTable } from '../cli/table.js';
import type { Database } from '../store/database.js';

/**
 * Runs SQL typed on the command line and formats what the last statement returned. It runs
 * as written, in the installation's schema: this is the user's own query on their own data.
 */
export async function runSqlQuery(database: Database, text: string): Promise<string> {
  let answer: QueryResult | QueryResult[];
  try {
    // Several statements in one text come back as one result each.
    answer = (await database.pool.query(text)) as QueryResult | QueryResult[];
  } catch (error) {
    throw new Error('The query failed', { cause: error });
  }
  const result = Array.isArray(answer) ? answer.at(-1) : answer;
  if (result === undefined || result.fields.length === 0) {
    return `${result?.command ?? 'OK'} ${result?.rowCount ?? ''}`.trim();
  }

  const headers = result.fields.map((field) => field.name);
  const rows = result.rows.map((row: Record<string, unknown>) =>
    headers.map((header) => cellText(row[header])),
  );
  const count = `(${result.rows.length} ${result.rows.length === 1 ? 'row' : 'rows'})`;
  return `${formatTable(headers, rows)}\n${count}`;
}

function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  // Numbers, booleans and json(b) values alike.
  return JSON.stringify(value);
}
