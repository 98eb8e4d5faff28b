import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { normalizeLicense } from '../../src/normalize/normalize-license.js';
import type { NormalizedLicense } from '../../src/normalize/license-rows.js';
import { generateLicense } from '../../src/stand-in/truto-stand-in.js';
import { sourceHashOf } from '../../src/sync/source-hash.js';
import { peakRssMb, type PhaseInput, type PhaseResult } from './phase-types.js';

/**
 * The ingest limit: the same normalized rows, loaded with COPY into empty tables of the same
 * shape (with their keys and indexes) in a schema of their own. Only the COPY is timed: the
 * rows are made beforehand.
 */
export async function runCopyPhase(input: PhaseInput): Promise<PhaseResult> {
  const rows = normalizedRows(input);
  const client = new pg.Client({ connectionString: input.databaseUrl });
  await client.connect();
  const schema = `${input.schema}_copy`;
  await createTables(client, input.schema, schema);

  const started = performance.now();
  await copy(client, `${schema}.licenses`, licenseLines(input.accountId, rows));
  await copy(client, `${schema}.license_products`, productLines(input.accountId, rows));
  await copy(client, `${schema}.license_roles`, roleLines(input.accountId, rows));
  const seconds = (performance.now() - started) / 1000;

  await client.query(`drop schema ${schema} cascade`);
  await client.end();
  return { seconds, peakRssMb: peakRssMb(), licenses: rows.length };
}

/** Every license of the listing, normalized: a million take about 2 GB of heap. */
function normalizedRows(input: PhaseInput): NormalizedLicense[] {
  const count = input.licenses;
  const rows: NormalizedLicense[] = [];
  for (let index = 0; index < count; index++) {
    const record = generateLicense(input.accountId, index, 1);
    const result = normalizeLicense(record);
    const sourceHash = sourceHashOf(Buffer.from(JSON.stringify(record)));
    if (result.ok) rows.push({ ...result.value, sourceHash });
  }
  return rows;
}

async function createTables(client: pg.Client, from: string, to: string): Promise<void> {
  await client.query(`drop schema if exists ${to} cascade; create schema ${to}`);
  for (const table of ['licenses', 'license_products', 'license_roles']) {
    await client.query(`create table ${to}.${table} (like ${from}.${table} including all)`);
  }
}

async function copy(client: pg.Client, table: string, lines: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(`copy ${table} from stdin`));
  await pipeline(Readable.from(batched(lines)), stream);
}

function* batched(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function* licenseLines(accountId: string, rows: NormalizedLicense[]): Generator<string> {
  const now = new Date().toISOString();
  for (const { license: l, sourceHash } of rows) {
    const values = [
      accountId,
      l.id,
      l.name,
      l.description,
      l.status,
      l.isPaid,
      l.currency,
      l.unitAmount,
      l.assignedQuantity,
      l.availableQuantity,
      l.remoteCreatedAt,
      l.remoteUpdatedAt,
      l.remoteData,
      l.contentHash,
      now,
      now,
      now,
      null,
      null,
      // Added last by its migration, so last in the table too.
      sourceHash,
    ];
    yield `${values.map(copyValue).join('\t')}\n`;
  }
}

function* productLines(accountId: string, rows: NormalizedLicense[]): Generator<string> {
  for (const { license, products } of rows) {
    for (const p of products) {
      yield `${[accountId, license.id, p.id, p.name, p.status].map(copyValue).join('\t')}\n`;
    }
  }
}

function* roleLines(accountId: string, rows: NormalizedLicense[]): Generator<string> {
  for (const { license, roles } of rows) {
    for (const r of roles)
      yield `${[accountId, license.id, r.id, r.name].map(copyValue).join('\t')}\n`;
  }
}

/** COPY's text format: `\N` for NULL, and backslash, tab and newlines escaped. */
function copyValue(value: string | boolean | null): string {
  if (value === null) return '\\N';
  return String(value).replace(
    /[\\\t\n\r]/g,
    (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c,
  );
}
