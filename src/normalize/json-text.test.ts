import { describe, expect, it } from 'vitest';

import { toJsonText } from './json-text.js';

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = { child: value };
  return value;
}

describe('toJsonText', () => {
  it('writes an object as JSON text', () => {
    expect(toJsonText({ skuId: 'a', units: [1, 2] })).toEqual({
      value: '{"skuId":"a","units":[1,2]}',
    });
  });

  it('keeps a string, number or array as JSON too', () => {
    expect(toJsonText('raw')).toEqual({ value: '"raw"' });
    expect(toJsonText(12)).toEqual({ value: '12' });
    expect(toJsonText([{ a: 1 }])).toEqual({ value: '[{"a":1}]' });
  });

  it('stores missing and null as NULL', () => {
    expect(toJsonText(undefined)).toEqual({ value: null });
    expect(toJsonText(null)).toEqual({ value: null });
  });

  it('removes NUL from keys and strings at any depth', () => {
    const value = { 'sku\0Id': 'E\x003', plans: [{ 'na\0me': ['a\0'] }] };
    expect(toJsonText(value)).toEqual({ value: '{"skuId":"E3","plans":[{"name":["a"]}]}' });
  });

  it('replaces lone surrogates in keys and strings', () => {
    const value = { ['k\uD800']: 'v\uDC00', ok: '🔑' };
    expect(toJsonText(value)).toEqual({ value: '{"k\uFFFD":"v\uFFFD","ok":"🔑"}' });
  });

  it('cleans a top-level string', () => {
    expect(toJsonText('a\0b')).toEqual({ value: '"ab"' });
  });

  it('leaves text that only looks like an escape as it came', () => {
    expect(toJsonText({ path: 'C:\\u0000' })).toEqual({ value: '{"path":"C:\\\\u0000"}' });
  });

  it('keeps the later value when two keys clean to the same text', () => {
    expect(toJsonText({ a: 1, 'a\0': 2 })).toEqual({ value: '{"a":2}' });
  });

  it('keeps a key named __proto__ as a plain key when cleaning', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"b":"\\u0000"}') as unknown;
    expect(toJsonText(value)).toEqual({ value: '{"__proto__":{"x":1},"b":""}' });
  });

  it('reports a value nested 10,000 deep instead of throwing', () => {
    const result = toJsonText(nested(10_000, 'leaf\0'));
    expect(result).toEqual({
      issue: expect.stringMatching(/^cannot be written as JSON: /) as unknown,
    });
  });

  it('cleans a value nested a few hundred deep', () => {
    const result = toJsonText(nested(500, 'leaf\0'));
    expect(result).toHaveProperty('value', JSON.stringify(nested(500, 'leaf')));
  });

  it('reports a BigInt instead of throwing', () => {
    expect(toJsonText({ n: 1n })).toEqual({
      issue: expect.stringMatching(/^cannot be written as JSON: .*BigInt/) as unknown,
    });
  });
});
