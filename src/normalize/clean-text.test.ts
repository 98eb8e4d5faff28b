import { describe, expect, it } from 'vitest';

import { cleanText } from './clean-text.js';

describe('cleanText', () => {
  it('returns clean text as it came, whitespace included', () => {
    expect(cleanText('  Microsoft 365 E3 \t')).toBe('  Microsoft 365 E3 \t');
  });

  it('removes every NUL character', () => {
    expect(cleanText('\0Of\0fice\0')).toBe('Office');
  });

  it('replaces a lone high or low surrogate with U+FFFD', () => {
    expect(cleanText('a\uD800b')).toBe('a\uFFFDb');
    expect(cleanText('a\uDC00')).toBe('a\uFFFD');
  });

  it('keeps a valid surrogate pair', () => {
    expect(cleanText('key 🔑')).toBe('key 🔑');
  });

  it('does not join the halves of a pair that a NUL separated', () => {
    expect(cleanText('\uD83D\0\uDD11')).toBe('\uFFFD\uFFFD');
  });
});
