import { asc, sql } from 'drizzle-orm';
import type { ListedAccount } from '../truto/integrated-accounts.js';
import type { Db } from './database.js';
import { integratedAccounts } from './schema.js';

export type AccountListing = ListedAccount & {
  /** `null` where the fan-out did not ask: the value stored before is kept. */
  supportsLicenses: boolean | null;
};

/**
 * Records what Truto's listing says of each account, in one statement whatever the number
 * of accounts: each column travels as one array and UNNEST makes rows of them again.
 * Returns the ids of the listed accounts that are left needing re-authorization.
 *
 * Only the listing's own columns are written; the run columns (`last_run_*`,
 * `last_success_at`, `consecutive_failures`, `last_error`) belong to the runs. With
 * `keepReauthHolds`, a listing may set `needs_reauth` but not clear it: Truto's webhook
 * events clear it instead, and a listing that began before the event cannot overrule it.
 */
export async function upsertListedAccounts(
  db: Db,
  accounts: AccountListing[],
  keepReauthHolds = false,
): Promise<Set<string>> {
  const rows = lastOfEachId(accounts);
  if (rows.length === 0) return new Set();
  const column = <K extends keyof AccountListing>(key: K) => sql.param(rows.map((row) => row[key]));
  const supports = rows.map(({ supportsLicenses }) =>
    supportsLicenses === null ? null : String(supportsLicenses),
  );

  const needsReauth = keepReauthHolds
    ? sql`a.needs_reauth or excluded.needs_reauth`
    : sql`excluded.needs_reauth`;
  const result = await db.execute<{ id: string; needs_reauth: boolean }>(sql`
    insert into integrated_accounts as a (
      id, tenant_id, integration, truto_status, supports_licenses, needs_reauth,
      listed_at, updated_at)
    select id, tenant_id, integration, status, supports::boolean, status = 'needs_reauth',
           now(), now()
    from unnest(
      ${column('id')}::text[], ${column('tenantId')}::text[], ${column('integration')}::text[],
      ${column('status')}::text[], ${sql.param(supports)}::text[]
    ) as listed(id, tenant_id, integration, status, supports)
    on conflict (id) do update set
      tenant_id = excluded.tenant_id,
      integration = excluded.integration,
      truto_status = excluded.truto_status,
      supports_licenses = coalesce(excluded.supports_licenses, a.supports_licenses),
      needs_reauth = ${needsReauth},
      listed_at = excluded.listed_at,
      updated_at = excluded.updated_at
    returning id, needs_reauth
  `);
  return new Set(result.rows.filter((row) => row.needs_reauth).map((row) => row.id));
}

export interface KnownAccount {
  id: string;
  tenantId: string | null;
  integration: string | null;
  trutoStatus: string | null;
  supportsLicenses: boolean | null;
  needsReauth: boolean;
  listedAt: string | null;
}

/** Every account on record, by id. */
export async function listKnownAccounts(db: Db): Promise<KnownAccount[]> {
  return db
    .select({
      id: integratedAccounts.id,
      tenantId: integratedAccounts.tenantId,
      integration: integratedAccounts.integration,
      trutoStatus: integratedAccounts.trutoStatus,
      supportsLicenses: integratedAccounts.supportsLicenses,
      needsReauth: integratedAccounts.needsReauth,
      listedAt: integratedAccounts.listedAt,
    })
    .from(integratedAccounts)
    .orderBy(asc(integratedAccounts.id));
}

/**
 * One row per id, the last one listed winning: an insert may not update the same row twice,
 * and a listing that shifts while it is paged can name an account twice.
 */
function lastOfEachId(accounts: AccountListing[]): AccountListing[] {
  return [...new Map(accounts.map((account) => [account.id, account])).values()];
}
