import { describe, expect, it } from 'vitest';
import type { NormalizedLicense } from '../normalize/license-rows.js';
import { CopyRowsBuilder } from './copy-rows-builder.js';

function license(id: string, name: string | null, extra: { products?: number } = {}) {
  const item: NormalizedLicense = {
    license: {
      id,
      name,
      description: null,
      status: 'active',
      isPaid: true,
      currency: 'USD',
      unitAmount: '12.50',
      assignedQuantity: '3',
      availableQuantity: '5',
      remoteCreatedAt: null,
      remoteUpdatedAt: null,
      remoteData: '{"a":1}',
      contentHash: `hash-${id}`,
    },
    products: Array.from({ length: extra.products ?? 1 }, (_, i) => ({
      id: `p${String(i)}`,
      name: `product of ${name ?? 'none'}`,
      status: null,
    })),
    roles: [{ id: 'r', name: null }],
    issues: [],
    sourceHash: null,
  };
  return item;
}

function lines(buffer: Buffer): string[] {
  return buffer.toString('utf8').split('\n').slice(0, -1);
}

describe('CopyRowsBuilder', () => {
  it('writes one line per row in the column order of the COPY statements', () => {
    const builder = new CopyRowsBuilder('acc');
    builder.add(license('a', 'Zoom'));
    const rows = builder.finish();

    expect(lines(rows.licenses)).toEqual([
      'acc\ta\tZoom\t\\N\tactive\tt\tUSD\t12.50\t3\t5\t\\N\t\\N\t{"a":1}\thash-a\t\\N',
    ]);
    expect(lines(rows.products)).toEqual(['acc\ta\tp0\tproduct of Zoom\t\\N']);
    expect(lines(rows.roles)).toEqual(['acc\ta\tr\t\\N']);
    expect([...rows.ids]).toEqual(['a']);
  });

  it('escapes backslashes, tabs and line breaks, which COPY would read as its own', () => {
    const builder = new CopyRowsBuilder('acc');
    builder.add(license('a', 'tab\there\nnew\\line\rend'));

    const [line] = lines(builder.finish().licenses);
    expect(line?.split('\t')[2]).toBe('tab\\there\\nnew\\\\line\\rend');
  });

  it('keeps only the later license of a repeated id, with its products and roles', () => {
    const builder = new CopyRowsBuilder('acc');
    builder.add(license('dup', 'first', { products: 2 }));
    builder.add(license('b', 'other'));
    builder.add(license('dup', 'second'));
    const rows = builder.finish();

    expect(lines(rows.licenses).map((line) => line.split('\t')[2])).toEqual(['other', 'second']);
    expect(lines(rows.products).map((line) => line.split('\t')[3])).toEqual([
      'product of other',
      'product of second',
    ]);
    expect(lines(rows.roles)).toHaveLength(2);
    expect([...rows.ids].sort()).toEqual(['b', 'dup']);
  });

  it('forgets a dropped license', () => {
    const builder = new CopyRowsBuilder('acc');
    builder.add(license('a', 'x'));

    expect(builder.drop('a')).toBe(true);
    expect(builder.drop('a')).toBe(false);
    const rows = builder.finish();
    expect(rows.ids.size).toBe(0);
    expect(rows.licenses.length).toBe(0);
  });

  it('grows past its first buffer and keeps text of several bytes a character intact', () => {
    const builder = new CopyRowsBuilder('acc');
    const name = 'Ünïcødé 😀 '.repeat(400);
    for (let i = 0; i < 50; i++) builder.add(license(`id-${String(i)}`, name));
    const rows = builder.finish();

    const names = lines(rows.licenses).map((line) => line.split('\t')[2]);
    expect(names).toHaveLength(50);
    expect(new Set(names)).toEqual(new Set([name]));
  });
});
