import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Digests of every row an account has in licenses, license_products and license_roles, to
 * compare a run under faults with a clean run of the same data.
 *
 * Left out, because they differ between two correct runs: `first_seen_at`, `last_seen_at`
 * and `synced_at` (when this installation saw or changed the row), and the times in
 * `deleted_at` and `listed_twice_at`, of which only whether they are set is compared.
 */
export interface AccountDigest {
  /** One digest over every row of the three tables. */
  digest: string;
  /** `licenses:<account>/<id>` and so on, to the digest of that row's compared columns. */
  rows: Map<string, string>;
  /** Keys of the licenses marked deleted. */
  deleted: Set<string>;
}

export interface DigestComparison {
  /** Rows of the clean run missing here. */
  lost: number;
  /** Rows here that the clean run does not have (a key can only be stored once). */
  duplicated: number;
  /** Rows whose compared columns differ. */
  differing: number;
  /** Licenses marked deleted here that the clean run kept. */
  falseDeletions: number;
}

const QUERIES = {
  licenses: `
    select 'licenses:' || integrated_account_id || '/' || id as key,
           md5(row(name, description, status, is_paid, currency, unit_amount,
                   assigned_quantity, available_quantity, remote_created_at,
                   remote_updated_at, remote_data, content_hash,
                   listed_twice_at is not null)::text) as hash,
           deleted_at is not null as deleted
    from licenses where integrated_account_id = $1`,
  products: `
    select 'license_products:' || integrated_account_id || '/' || license_id || '/' || id as key,
           md5(row(name, status)::text) as hash, false as deleted
    from license_products where integrated_account_id = $1`,
  roles: `
    select 'license_roles:' || integrated_account_id || '/' || license_id || '/' || id as key,
           md5(row(name)::text) as hash, false as deleted
    from license_roles where integrated_account_id = $1`,
};

/** Reads the digests of one account from a pool whose search_path is the schema to read. */
export async function digestAccount(pool: pg.Pool, accountId: string): Promise<AccountDigest> {
  const rows = new Map<string, string>();
  const deleted = new Set<string>();
  for (const query of Object.values(QUERIES)) {
    const result = await pool.query<{ key: string; hash: string; deleted: boolean }>(query, [
      accountId,
    ]);
    for (const row of result.rows) {
      rows.set(row.key, row.hash);
      if (row.deleted) deleted.add(row.key);
    }
  }
  return { digest: digestOf(rows, deleted), rows, deleted };
}

function digestOf(rows: Map<string, string>, deleted: Set<string>): string {
  const hash = createHash('sha256');
  for (const key of [...rows.keys()].sort()) {
    hash.update(`${key} ${rows.get(key) ?? ''} ${deleted.has(key) ? 'deleted' : 'kept'}\n`);
  }
  return hash.digest('hex');
}

/** What the actual rows lost, added or changed against the expected ones. */
export function compareDigests(expected: AccountDigest, actual: AccountDigest): DigestComparison {
  const comparison = { lost: 0, duplicated: 0, differing: 0, falseDeletions: 0 };
  for (const [key, hash] of expected.rows) {
    const found = actual.rows.get(key);
    if (found === undefined) comparison.lost += 1;
    else if (found !== hash) comparison.differing += 1;
    else if (actual.deleted.has(key) && !expected.deleted.has(key)) comparison.falseDeletions += 1;
    else if (expected.deleted.has(key) && !actual.deleted.has(key)) comparison.differing += 1;
  }
  for (const key of actual.rows.keys()) {
    if (!expected.rows.has(key)) comparison.duplicated += 1;
  }
  return comparison;
}

export function isExact(comparison: DigestComparison): boolean {
  return Object.values(comparison).every((count) => count === 0);
}
