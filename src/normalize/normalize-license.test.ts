import { describe, expect, it } from 'vitest';

import { MAX_RECORD_PREVIEW_CHARS } from './json-preview.js';
import type { NormalizedLicense, NormalizeResult, Rejection } from './license-rows.js';
import { DEFAULT_MAX_RECORD_CHARS, normalizeLicense } from './normalize-license.js';
import { MAX_RELATED_ROWS } from './related-rows.js';

const record = {
  id: 'sku-e3',
  name: 'Microsoft 365 E3',
  description: 'Office apps and services',
  status: 'active',
  is_paid: true,
  currency: 'USD',
  unit_amount: '12.50',
  assigned_quantity: 5,
  available_quantity: '10',
  products: [
    { id: 'exchange', name: 'Exchange Online', status: 'active' },
    { id: 'teams', name: 'Teams', status: 'pending' },
  ],
  roles: [{ id: 'admin', name: 'Admin' }],
  created_at: '2024-09-01 10:00:00',
  updated_at: '2024-09-02T12:00:00.000+02:00',
  remote_data: { skuId: 'e3', consumedUnits: 5 },
};

function normalized(result: NormalizeResult): NormalizedLicense {
  if (!result.ok) throw new Error(`expected rows, got a rejection: ${result.rejection.reason}`);
  return result.value;
}

function rejection(result: NormalizeResult): Rejection {
  if (result.ok) throw new Error('expected a rejection, got rows');
  return result.rejection;
}

describe('normalizeLicense', () => {
  it('turns a well-formed record into rows without issues', () => {
    const { license, products, roles, issues } = normalized(normalizeLicense(record));
    expect(license).toEqual({
      id: 'sku-e3',
      name: 'Microsoft 365 E3',
      description: 'Office apps and services',
      status: 'active',
      isPaid: true,
      currency: 'USD',
      unitAmount: '12.50',
      assignedQuantity: '5',
      availableQuantity: '10',
      remoteCreatedAt: '2024-09-01T10:00:00.000Z',
      remoteUpdatedAt: '2024-09-02T10:00:00.000Z',
      remoteData: '{"skuId":"e3","consumedUnits":5}',
      contentHash: expect.any(String) as unknown,
    });
    expect(products).toEqual(record.products);
    expect(roles).toEqual(record.roles);
    expect(issues).toEqual([]);
  });

  it('reads a numeric unit amount', () => {
    const { license } = normalized(normalizeLicense({ ...record, unit_amount: 12.5 }));
    expect(license.unitAmount).toBe('12.5');
  });

  it('keeps an unmapped status as the vendor sent it', () => {
    const { license, issues } = normalized(normalizeLicense({ ...record, status: 'Suspended ' }));
    expect(license.status).toBe('Suspended ');
    expect(issues).toEqual([]);
  });

  it('stores an uncoercible quantity as NULL and notes it', () => {
    const result = normalizeLicense({ ...record, assigned_quantity: 'lots' });
    const { license, issues } = normalized(result);
    expect(license.assignedQuantity).toBeNull();
    expect(issues).toEqual([
      { field: 'assigned_quantity', reason: 'not a decimal number', value: '"lots"' },
    ]);
  });

  it('notes every uncoercible field under the name the vendor used', () => {
    const result = normalizeLicense({
      id: 'x',
      name: { en: 'E3' },
      is_paid: 'maybe',
      unit_amount: '12,50',
      available_quantity: 2.5,
      created_at: 'yesterday',
      updated_at: 1725184800,
    });
    const { license, issues } = normalized(result);
    expect(issues.map((issue) => issue.field)).toEqual([
      'name',
      'is_paid',
      'unit_amount',
      'available_quantity',
      'created_at',
      'updated_at',
    ]);
    expect(license).toMatchObject({
      name: null,
      isPaid: null,
      unitAmount: null,
      availableQuantity: null,
      remoteCreatedAt: null,
      remoteUpdatedAt: null,
    });
  });

  it('stores missing fields as NULL without issues', () => {
    const { license, products, roles, issues } = normalized(normalizeLicense({ id: 'bare' }));
    expect(license).toMatchObject({ id: 'bare', name: null, remoteData: null, unitAmount: null });
    expect(products).toEqual([]);
    expect(roles).toEqual([]);
    expect(issues).toEqual([]);
  });

  it('ignores fields it does not know, leaving them in remote_data only', () => {
    const result = normalizeLicense({ id: 'a', tier: 'gold', remote_data: { tier: 'gold' } });
    const { license } = normalized(result);
    expect(license).not.toHaveProperty('tier');
    expect(license.remoteData).toBe('{"tier":"gold"}');
  });

  it('removes NUL from the name and from remote_data keys and strings', () => {
    const result = normalizeLicense({
      id: 'a',
      name: 'E\x003',
      remote_data: { 'sku\0Id': 'e\x003', nested: { list: ['\0x'] } },
    });
    const { license } = normalized(result);
    expect(license.name).toBe('E3');
    expect(license.remoteData).toBe('{"skuId":"e3","nested":{"list":["x"]}}');
  });

  it('replaces lone surrogates in text fields and remote_data', () => {
    const result = normalizeLicense({
      id: 'a',
      description: 'half \uD83D',
      remote_data: { 'k\uDC00': 'v' },
    });
    const { license } = normalized(result);
    expect(license.description).toBe('half \uFFFD');
    expect(license.remoteData).toBe('{"k\uFFFD":"v"}');
  });

  it('keeps a non-object remote_data as JSON', () => {
    const { license } = normalized(normalizeLicense({ id: 'a', remote_data: ['x', 1] }));
    expect(license.remoteData).toBe('["x",1]');
  });

  it('stores a remote_data nested 10,000 deep as NULL and notes it, without throwing', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 10_000; level++) deep = { child: deep };
    const { license, issues } = normalized(normalizeLicense({ id: 'a', remote_data: deep }));
    expect(license.remoteData).toBeNull();
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      field: 'remote_data',
      reason: expect.stringMatching(/^cannot be written as JSON/) as unknown,
      value: expect.stringMatching(/^\[an object that cannot be written as JSON/) as unknown,
    });
  });

  describe('rejections', () => {
    it.each([
      ['null', null],
      ['an array', [{ id: 'a' }]],
      ['a string', 'sku-e3'],
      ['a number', 42],
    ])('rejects a record that is %s as not an object', (_case, value) => {
      expect(rejection(normalizeLicense(value))).toEqual({
        licenseId: null,
        reason: 'not an object',
        record: JSON.stringify(value),
      });
    });

    it.each([
      ['missing', {}, 'id is missing'],
      ['empty', { id: '' }, 'id is empty'],
      ['whitespace only', { id: '  ' }, 'id is blank'],
      ['an object', { id: { value: 'a' } }, 'id is an object, not a string or a whole number'],
      ['too long', { id: 'x'.repeat(513) }, 'id is longer than 512 characters'],
      ['a fraction', { id: 1.5 }, 'id is a number that is not a whole number below 2^53'],
    ])('rejects a record whose id is %s', (_case, value, reason) => {
      const { licenseId, reason: actual } = rejection(normalizeLicense({ ...value, name: 'n' }));
      expect(licenseId).toBeNull();
      expect(actual).toBe(reason);
    });

    it('accepts a numeric id as its decimal string', () => {
      expect(normalized(normalizeLicense({ id: 12345 })).license.id).toBe('12345');
    });

    it('rejects a record whose remote_data is longer than the limit', () => {
      const value = { id: 'big', remote_data: { blob: 'x'.repeat(100) } };
      const { licenseId, reason } = rejection(normalizeLicense(value, { maxRecordChars: 50 }));
      expect(licenseId).toBe('big');
      expect(reason).toBe('record is larger than the limit of 50 characters');
    });

    it(`rejects at ${DEFAULT_MAX_RECORD_CHARS} characters by default`, () => {
      const value = { id: 'big', remote_data: 'x'.repeat(DEFAULT_MAX_RECORD_CHARS) };
      const { reason, record: text } = rejection(normalizeLicense(value));
      expect(reason).toBe(
        `record is larger than the limit of ${DEFAULT_MAX_RECORD_CHARS} characters`,
      );
      expect(text).toHaveLength(MAX_RECORD_PREVIEW_CHARS);
    });

    it(`keeps at most ${MAX_RECORD_PREVIEW_CHARS} characters of the rejected record`, () => {
      const { record: text } = rejection(normalizeLicense({ id: '', name: 'n'.repeat(10_000) }));
      expect(text).toHaveLength(MAX_RECORD_PREVIEW_CHARS);
      expect(text.startsWith('{"id":"","name":"nnn')).toBe(true);
    });
  });

  describe('products and roles', () => {
    it('keeps the later of two products with the same id, in the first one’s place', () => {
      const result = normalizeLicense({
        id: 'a',
        products: [
          { id: 'p1', name: 'old', status: 'active' },
          { id: 'p2', name: 'other', status: 'active' },
          { id: 'p1', name: 'new', status: 'inactive' },
        ],
      });
      expect(normalized(result).products).toEqual([
        { id: 'p1', name: 'new', status: 'inactive' },
        { id: 'p2', name: 'other', status: 'active' },
      ]);
    });

    it('treats a numeric product id and its string as the same id', () => {
      const result = normalizeLicense({
        id: 'a',
        products: [
          { id: 7, name: 'number' },
          { id: '7', name: 'string' },
        ],
      });
      expect(normalized(result).products).toEqual([{ id: '7', name: 'string', status: null }]);
    });

    it('keeps the later of two roles with the same id', () => {
      const result = normalizeLicense({
        id: 'a',
        roles: [
          { id: 'r1', name: 'old' },
          { id: 'r1', name: 'new' },
        ],
      });
      expect(normalized(result).roles).toEqual([{ id: 'r1', name: 'new' }]);
    });

    it('skips products without a usable id and notes each', () => {
      const result = normalizeLicense({
        id: 'a',
        products: [{ id: 'p1' }, { name: 'no id' }, 'p3', { id: ' ' }, { id: 'p5' }],
      });
      const { products, issues } = normalized(result);
      expect(products.map((product) => product.id)).toEqual(['p1', 'p5']);
      expect(issues).toEqual([
        { field: 'products[1].id', reason: 'is missing', value: 'undefined' },
        { field: 'products[2]', reason: 'expected an object, got a string', value: '"p3"' },
        { field: 'products[3].id', reason: 'is blank', value: '" "' },
      ]);
    });

    it('stores an uncoercible product name as NULL and notes its path', () => {
      const result = normalizeLicense({ id: 'a', products: [{ id: 'p1', name: ['x'] }] });
      const { products, issues } = normalized(result);
      expect(products).toEqual([{ id: 'p1', name: null, status: null }]);
      expect(issues).toEqual([
        { field: 'products[0].name', reason: 'expected text, got an array', value: '["x"]' },
      ]);
    });

    it('skips roles without an id and notes each', () => {
      const result = normalizeLicense({ id: 'a', roles: [{ name: 'nameless' }, { id: 'r2' }] });
      const { roles, issues } = normalized(result);
      expect(roles).toEqual([{ id: 'r2', name: null }]);
      expect(issues.map((issue) => issue.field)).toEqual(['roles[0].id']);
    });

    it('stores no products or roles when they are not arrays, and notes it', () => {
      const result = normalizeLicense({ id: 'a', products: { id: 'p1' }, roles: 'admin' });
      const { products, roles, issues } = normalized(result);
      expect(products).toEqual([]);
      expect(roles).toEqual([]);
      expect(issues).toEqual([
        { field: 'products', reason: 'expected an array, got an object', value: '{"id":"p1"}' },
        { field: 'roles', reason: 'expected an array, got a string', value: '"admin"' },
      ]);
    });

    it(`keeps the first ${MAX_RELATED_ROWS} products and notes the rest once`, () => {
      const many = Array.from({ length: MAX_RELATED_ROWS + 5 }, (_, index) => ({ id: index }));
      const { products, issues } = normalized(normalizeLicense({ id: 'a', products: many }));
      expect(products).toHaveLength(MAX_RELATED_ROWS);
      expect(products.at(-1)?.id).toBe(String(MAX_RELATED_ROWS - 1));
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({
        field: 'products',
        reason: `has ${MAX_RELATED_ROWS + 5} entries; only the first ${MAX_RELATED_ROWS} are kept`,
      });
      expect(issues[0]?.value.length).toBeLessThanOrEqual(200);
    });
  });

  describe('content hash', () => {
    const hashOf = (value: unknown) => normalized(normalizeLicense(value)).license.contentHash;

    it('is the same for the same record', () => {
      expect(hashOf(structuredClone(record))).toBe(hashOf(record));
    });

    it('does not depend on the id', () => {
      expect(hashOf({ ...record, id: 'other' })).toBe(hashOf(record));
    });

    it('does not depend on the order of top-level fields', () => {
      const reversed = Object.fromEntries(Object.entries(record).reverse());
      expect(hashOf(reversed)).toBe(hashOf(record));
    });

    it('is the same for values that normalize alike', () => {
      expect(hashOf({ ...record, assigned_quantity: '5' })).toBe(hashOf(record));
    });

    it('changes when a product name changes', () => {
      const products = [{ ...record.products[0], name: 'Exchange Plan 2' }, record.products[1]];
      expect(hashOf({ ...record, products })).not.toBe(hashOf(record));
    });

    it('changes when a role is added', () => {
      const roles = [...record.roles, { id: 'reader', name: 'Reader' }];
      expect(hashOf({ ...record, roles })).not.toBe(hashOf(record));
    });

    it('changes when remote_data changes', () => {
      const remoteData = { ...record.remote_data, consumedUnits: 6 };
      expect(hashOf({ ...record, remote_data: remoteData })).not.toBe(hashOf(record));
    });

    it('counts remote_data keys in another order as a change, as its text differs', () => {
      const reordered = { consumedUnits: 5, skuId: 'e3' };
      expect(hashOf({ ...record, remote_data: reordered })).not.toBe(hashOf(record));
    });

    it('changes when a field changes', () => {
      expect(hashOf({ ...record, unit_amount: '12.5' })).not.toBe(hashOf(record));
      expect(hashOf({ ...record, status: 'inactive' })).not.toBe(hashOf(record));
    });
  });
});
