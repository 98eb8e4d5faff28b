import { describe, expect, it } from 'vitest';

import { contentHash, type HashedLicenseFields } from './content-hash.js';
import type { ProductRow, RoleRow } from './license-rows.js';

const fields: HashedLicenseFields = {
  name: 'Microsoft 365 E3',
  description: null,
  status: 'active',
  isPaid: true,
  currency: 'USD',
  unitAmount: '12.50',
  assignedQuantity: '5',
  availableQuantity: '10',
  remoteCreatedAt: '2024-09-01T10:00:00.000Z',
  remoteUpdatedAt: null,
  remoteData: '{"skuId":"a"}',
};
const products: ProductRow[] = [{ id: 'p1', name: 'Exchange', status: 'active' }];
const roles: RoleRow[] = [{ id: 'r1', name: 'Admin' }];

describe('contentHash', () => {
  it('gives the same digest for the same rows', () => {
    const copy = structuredClone({ fields, products, roles });
    expect(contentHash(copy.fields, copy.products, copy.roles)).toBe(
      contentHash(fields, products, roles),
    );
  });

  it.each(Object.keys(fields) as (keyof HashedLicenseFields)[])(
    'changes when %s changes',
    (key) => {
      const changed = { ...fields, [key]: key === 'isPaid' ? false : 'other' };
      expect(contentHash(changed, products, roles)).not.toBe(contentHash(fields, products, roles));
    },
  );

  it('changes when a field becomes NULL', () => {
    const changed = { ...fields, unitAmount: null };
    expect(contentHash(changed, products, roles)).not.toBe(contentHash(fields, products, roles));
  });

  it('changes when a value moves to another field', () => {
    const a = { ...fields, name: 'x', description: null };
    const b = { ...fields, name: null, description: 'x' };
    expect(contentHash(a, [], [])).not.toBe(contentHash(b, [], []));
  });

  it('changes when a product name, status or the product order changes', () => {
    const base = contentHash(fields, products, roles);
    const second: ProductRow = { id: 'p2', name: 'Teams', status: 'active' };
    const hashes = [
      contentHash(fields, [{ id: 'p1', name: 'Exchange Online', status: 'active' }], roles),
      contentHash(fields, [{ id: 'p1', name: 'Exchange', status: 'pending' }], roles),
      contentHash(fields, [...products, second], roles),
      contentHash(fields, [second, ...products], roles),
    ];
    expect(new Set([base, ...hashes]).size).toBe(5);
  });

  it('tells a product apart from a role with the same id and name', () => {
    const asProduct = contentHash(fields, [{ id: 'x', name: 'n', status: null }], []);
    const asRole = contentHash(fields, [], [{ id: 'x', name: 'n' }]);
    expect(asProduct).not.toBe(asRole);
  });

  it.each(['id', 'name', 'status'] as const)('changes when a product %s changes', (key) => {
    const changed = [{ ...products[0], [key]: 'other' } as ProductRow];
    expect(contentHash(fields, changed, roles)).not.toBe(contentHash(fields, products, roles));
  });

  it('tells a NULL product name apart from the text "n"', () => {
    const withNull = contentHash(fields, [{ id: 'p', name: null, status: null }], []);
    const withText = contentHash(fields, [{ id: 'p', name: 'n', status: null }], []);
    expect(withNull).not.toBe(withText);
  });

  it('tells values apart however their text splits', () => {
    const a = contentHash(fields, [{ id: 'ab', name: 'c', status: null }], []);
    const b = contentHash(fields, [{ id: 'a', name: 'bc', status: null }], []);
    expect(a).not.toBe(b);
  });

  it('changes when a role changes', () => {
    const changed = contentHash(fields, products, [{ id: 'r1', name: 'Owner' }]);
    expect(changed).not.toBe(contentHash(fields, products, roles));
  });

  it('tells missing remote data apart from remote data', () => {
    const without = contentHash({ ...fields, remoteData: null }, products, roles);
    expect(without).not.toBe(contentHash(fields, products, roles));
  });

  it('is 28 characters of base64', () => {
    expect(contentHash(fields, products, roles)).toMatch(/^[A-Za-z0-9+/]{27}=$/);
  });
});
