import type { Database } from '../store/database.js';

/** What the store holds of one account after its run, read back the way an analyst would. */
export interface StoredAccount {
  integration: string | null;
  tenantId: string | null;
  licenseCount: number;
  /** The first few licenses: current ones before deleted ones, the largest first. */
  licenses: StoredLicense[];
  rejects: StoredReject[];
  seats: { assigned: number; available: number };
}

export interface StoredLicense {
  id: string;
  name: string | null;
  status: string | null;
  deleted: boolean;
  assigned: string | null;
  available: string | null;
  products: number;
  roles: number;
}

export interface StoredReject {
  licenseId: string | null;
  field: string | null;
  reason: string;
}

export async function readStoredAccount(
  database: Database,
  accountId: string,
  runId: number,
  licenseRows: number,
): Promise<StoredAccount> {
  const { pool } = database;
  const account = await pool.query<{ integration: string | null; tenant_id: string | null }>(
    'select integration, tenant_id from integrated_accounts where id = $1',
    [accountId],
  );
  const totals = await pool.query<{ licenses: number; assigned: number; available: number }>(
    SEAT_TOTALS,
    [accountId],
  );
  const licenses = await pool.query<StoredLicense>(FIRST_LICENSES, [accountId, licenseRows]);
  const rejects = await pool.query<StoredReject>(
    'select license_id as "licenseId", field, reason from sync_rejects where run_id = $1 order by id',
    [runId],
  );

  const total = totals.rows[0];
  return {
    integration: account.rows[0]?.integration ?? null,
    tenantId: account.rows[0]?.tenant_id ?? null,
    licenseCount: total?.licenses ?? 0,
    licenses: licenses.rows,
    rejects: rejects.rows,
    seats: { assigned: total?.assigned ?? 0, available: total?.available ?? 0 },
  };
}

/** Seats count only where a current license says both how many it has and how many are used. */
const SEAT_TOTALS = `
  select count(*)::int as licenses,
         coalesce(sum(assigned_quantity) filter (where counted), 0)::float8 as assigned,
         coalesce(sum(available_quantity) filter (where counted), 0)::float8 as available
  from (
    select assigned_quantity, available_quantity,
           deleted_at is null and assigned_quantity is not null
             and available_quantity is not null as counted
    from licenses where integrated_account_id = $1
  ) as account_licenses`;

const FIRST_LICENSES = `
  select l.id, l.name, l.status, l.deleted_at is not null as deleted,
         l.assigned_quantity::text as assigned, l.available_quantity::text as available,
         (select count(*)::int from license_products p
           where p.integrated_account_id = l.integrated_account_id and p.license_id = l.id)
           as products,
         (select count(*)::int from license_roles r
           where r.integrated_account_id = l.integrated_account_id and r.license_id = l.id)
           as roles
  from licenses l
  where l.integrated_account_id = $1
  order by l.deleted_at is not null, l.available_quantity desc nulls last, l.id
  limit $2`;
