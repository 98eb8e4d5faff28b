import { and, eq, ne, sql } from 'drizzle-orm';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import type { Db } from './database.js';
import { syncHeldLicenses } from './schema.js';

/**
 * Holds the records of licenses the listing is known to repeat. A later copy replaces an
 * earlier one, since batches are written in listing order: what is held at the end of the
 * pass is the last copy, the one that wins.
 */
export async function holdLicenses(
  tx: Db,
  accountId: string,
  passStartedAt: string,
  items: NormalizedLicense[],
) {
  if (items.length === 0) return;
  const rows = items.map((item) => ({
    integratedAccountId: accountId,
    licenseId: item.license.id,
    passStartedAt,
    license: {
      license: item.license,
      products: item.products,
      roles: item.roles,
      sourceHash: item.sourceHash,
    },
  }));
  await tx
    .insert(syncHeldLicenses)
    .values(rows)
    .onConflictDoUpdate({
      target: [syncHeldLicenses.integratedAccountId, syncHeldLicenses.licenseId],
      set: { license: sqlExcluded('license'), passStartedAt },
    });
}

/** Takes the held records of the pass, for the pass's end to write, and forgets them. */
export async function releaseHeldLicenses(
  tx: Db,
  accountId: string,
  passStartedAt: string,
): Promise<NormalizedLicense[]> {
  const rows = await tx
    .delete(syncHeldLicenses)
    .where(
      and(
        eq(syncHeldLicenses.integratedAccountId, accountId),
        eq(syncHeldLicenses.passStartedAt, passStartedAt),
      ),
    )
    .returning({ license: syncHeldLicenses.license });
  return rows.map((row) => {
    const held = row.license as Omit<NormalizedLicense, 'issues' | 'sourceHash'>;
    // Held before the digest was kept, a record has none: it is parsed again next time.
    const { sourceHash = null } = row.license as { sourceHash?: string | null };
    return { ...held, issues: [], sourceHash };
  });
}

/** Drops what an abandoned pass held; a new pass starts with nothing held. */
export async function dropStaleHeldLicenses(tx: Db, accountId: string, passStartedAt: string) {
  await tx
    .delete(syncHeldLicenses)
    .where(
      and(
        eq(syncHeldLicenses.integratedAccountId, accountId),
        ne(syncHeldLicenses.passStartedAt, passStartedAt),
      ),
    );
}

function sqlExcluded(column: string) {
  return sql.raw(`excluded."${column}"`);
}
