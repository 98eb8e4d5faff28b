import { asc, eq } from 'drizzle-orm';
import type { Db } from './database.js';
import { licenseAccountSummary } from './schema.js';

export type AccountUsage = typeof licenseAccountSummary.$inferSelect;

/** The live licenses' utilization and cost per account and currency, from the summary view. */
export async function readAccountUsage(db: Db, integratedAccountId?: string) {
  const view = licenseAccountSummary;
  return db
    .select()
    .from(view)
    .where(
      integratedAccountId === undefined
        ? undefined
        : eq(view.integratedAccountId, integratedAccountId),
    )
    .orderBy(asc(view.integratedAccountId), asc(view.currency));
}
