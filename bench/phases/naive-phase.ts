import { and, eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { normalizeLicense } from '../../src/normalize/normalize-license.js';
import { licenseProducts, licenseRoles, licenses } from '../../src/store/schema.js';
import { peakRssMb, type PhaseInput, type PhaseResult } from './phase-types.js';

/**
 * What a user would write by hand: fetch each page whole, `JSON.parse` it, and store each
 * license with drizzle's query builder, one transaction per license. With one response for
 * the whole listing, the body is read whole too, which is what a JS string cannot hold past
 * about 512 MB.
 */
export async function runNaivePhase(input: PhaseInput): Promise<PhaseResult> {
  const pool = new pg.Pool({
    connectionString: input.databaseUrl,
    options: `-c search_path=${input.schema}`,
  });
  const db = drizzle({ client: pool });
  const started = performance.now();
  let stored = 0;
  let cursor: string | null = null;
  try {
    do {
      const page = await fetchPage(input, cursor);
      for (const record of page.result) stored += await storeOne(db, input.accountId, record);
      cursor = page.next_cursor;
    } while (cursor);
  } finally {
    await pool.end();
  }
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakRssMb: peakRssMb(), licenses: stored };
}

async function fetchPage(input: PhaseInput, cursor: string | null) {
  const url = new URL('/unified/user-directory/licenses', input.standInUrl);
  url.searchParams.set('integrated_account_id', input.accountId);
  url.searchParams.set('limit', '100');
  // One response for the whole listing: the stream format, which the stand-in sends as a
  // bare array of every license.
  if (input.singleResponse) url.searchParams.set('truto_response_format', 'stream');
  if (cursor) url.searchParams.set('next_cursor', cursor);
  const response = await fetch(url, { headers: { authorization: `Bearer ${input.token}` } });
  const body = JSON.parse(await response.text()) as unknown;
  // A bare array (the whole listing in one response) has no cursor.
  if (Array.isArray(body)) return { result: body, next_cursor: null };
  return body as { result: unknown[]; next_cursor: string | null };
}

async function storeOne(db: ReturnType<typeof drizzle>, accountId: string, record: unknown) {
  const result = normalizeLicense(record);
  if (!result.ok) return 0;
  const { license, products, roles } = result.value;
  const { contentHash, ...fields } = license;
  const row = {
    ...fields,
    integratedAccountId: accountId,
    contentHash,
    assignedQuantity: toBigint(license.assignedQuantity),
    availableQuantity: toBigint(license.availableQuantity),
    remoteData: license.remoteData === null ? null : (JSON.parse(license.remoteData) as unknown),
  };
  await db.transaction(async (tx) => {
    await tx
      .insert(licenses)
      .values(row)
      .onConflictDoUpdate({
        target: [licenses.integratedAccountId, licenses.id],
        set: row,
      });
    const own = (table: typeof licenseProducts | typeof licenseRoles) =>
      and(eq(table.integratedAccountId, accountId), eq(table.licenseId, license.id));
    await tx.delete(licenseProducts).where(own(licenseProducts));
    await tx.delete(licenseRoles).where(own(licenseRoles));
    const child = { integratedAccountId: accountId, licenseId: license.id };
    if (products.length)
      await tx.insert(licenseProducts).values(products.map((p) => ({ ...p, ...child })));
    if (roles.length) await tx.insert(licenseRoles).values(roles.map((r) => ({ ...r, ...child })));
  });
  return 1;
}

function toBigint(value: string | null): bigint | null {
  return value === null ? null : BigInt(value);
}
