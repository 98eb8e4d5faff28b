import { describe, expect, it } from 'vitest';

import { MAX_RECORD_PREVIEW_CHARS, previewJson, trimText } from './json-preview.js';

describe('previewJson', () => {
  it('writes a small value as JSON text', () => {
    expect(previewJson({ id: 'a', n: [1] }, 200)).toBe('{"id":"a","n":[1]}');
  });

  it(`trims a long value to ${MAX_RECORD_PREVIEW_CHARS} characters, marking the cut`, () => {
    const text = previewJson({ name: 'x'.repeat(5_000) }, MAX_RECORD_PREVIEW_CHARS);
    expect(text).toHaveLength(MAX_RECORD_PREVIEW_CHARS);
    expect(text.startsWith('{"name":"xxx')).toBe(true);
    expect(text.endsWith('x…')).toBe(true);
  });

  it('describes undefined rather than giving no text', () => {
    expect(previewJson(undefined, 200)).toBe('undefined');
  });

  it('describes a value nested too deep for JSON.stringify', () => {
    let value: unknown = 'leaf';
    for (let level = 0; level < 10_000; level++) value = [value];
    expect(previewJson(value, 200)).toMatch(/^\[an array that cannot be written as JSON: /);
  });

  it('describes a BigInt', () => {
    expect(previewJson(5n, 200)).toMatch(/^\[a bigint that cannot be written as JSON: /);
  });
});

describe('trimText', () => {
  it('keeps text that fits', () => {
    expect(trimText('abc', 3)).toBe('abc');
  });

  it('never cuts a surrogate pair in half', () => {
    expect(trimText('ab🔑cd', 4)).toBe('ab…');
    expect(trimText('ab🔑cd', 5)).toBe('ab🔑…');
  });
});
