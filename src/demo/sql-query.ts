import pg, { type QueryResult } from 'pg';
import { formatTable } from '../cli/table.js';
import type { Database } from '../store/database.js';

export interface QueryAnswer {
  /** False when Postgres refused the query; `text` then says why. */
  ok: boolean;
  text: string;
}

/**
 * Runs SQL typed on the command line and formats what the last statement returned. It runs
 * as written, in the installation's schema: this is the user's own query on their own data.
 * A query Postgres refuses is an answer, not a failure of the demo; a lost connection is.
 */
export async function runSqlQuery(database: Database, text: string): Promise<QueryAnswer> {
  let answer: QueryResult | QueryResult[];
  try {
    // Several statements in one text come back as one result each.
    answer = (await database.pool.query(text)) as QueryResult | QueryResult[];
  } catch (error) {
    if (!(error instanceof pg.DatabaseError)) throw error;
    const hint = error.hint === undefined ? '' : ` (${error.hint})`;
    return { ok: false, text: `The query failed: ${error.message}${hint}` };
  }

  const result = Array.isArray(answer) ? answer.at(-1) : answer;
  if (result === undefined || result.fields.length === 0) {
    return { ok: true, text: `${result?.command ?? 'OK'} ${result?.rowCount ?? ''}`.trim() };
  }
  return { ok: true, text: formatResult(result) };
}

function formatResult(result: QueryResult): string {
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
