import { hash } from 'node:crypto';

import type { LicenseRow, ProductRow, RoleRow } from './license-rows.js';

/** Everything of a license row that its digest covers. */
export type HashedLicenseFields = Omit<LicenseRow, 'id' | 'contentHash'>;

/**
 * SHA-1 in base64 over what a license stores: its columns but `id`, and its products and roles
 * in the order given. Equal rows give equal digests, so an unchanged license need not be
 * written; SHA-1 serves as a change detector here, not as a defence against forgery.
 *
 * Note: `remoteData` is hashed as the text it is stored as, so the vendor reordering keys in
 * its raw record counts as a change. A column added to the rows must be added here too.
 */
export function contentHash(
  license: HashedLicenseFields,
  products: readonly ProductRow[],
  roles: readonly RoleRow[],
): string {
  // Each value is written with its kind and length, so that no text can pass for a boundary
  // and a value moving to another field changes the digest. This costs a third of what
  // JSON.stringify of the same rows does, and it runs for every record.
  let text =
    part(license.name) +
    part(license.description) +
    part(license.status) +
    flag(license.isPaid) +
    part(license.currency) +
    part(license.unitAmount) +
    part(license.assignedQuantity) +
    part(license.availableQuantity) +
    part(license.remoteCreatedAt) +
    part(license.remoteUpdatedAt);

  text += `p${products.length}:`;
  for (const product of products) {
    text += part(product.id) + part(product.name) + part(product.status);
  }
  text += `r${roles.length}:`;
  for (const role of roles) text += part(role.id) + part(role.name);

  // Last, so it needs no length: the largest field is hashed as it is.
  text += license.remoteData === null ? 'n' : `j${license.remoteData}`;
  return hash('sha1', text, 'base64');
}

function part(value: string | null): string {
  return value === null ? 'n' : `s${value.length}:${value}`;
}

function flag(value: boolean | null): string {
  if (value === null) return 'n';
  return value ? 't' : 'f';
}
