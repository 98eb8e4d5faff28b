import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMIT_WAIT_MS, rateLimitWaitMs } from './retry-delay.js';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('rateLimitWaitMs', () => {
  it('waits the seconds Retry-After names', () => {
    expect(rateLimitWaitMs({ 'retry-after': '7' }, now)).toBe(7_000);
  });

  it('waits until the HTTP date Retry-After names', () => {
    const at = new Date(now + 12_000).toUTCString();
    expect(rateLimitWaitMs({ 'retry-after': at }, now)).toBe(12_000);
  });

  it('never waits a negative time for a date in the past', () => {
    expect(rateLimitWaitMs({ 'retry-after': new Date(now - 5_000).toUTCString() }, now)).toBe(0);
  });

  it('falls back to the vendor ratelimit-reset seconds', () => {
    expect(rateLimitWaitMs({ 'ratelimit-reset': '3' }, now)).toBe(3_000);
    expect(rateLimitWaitMs({ 'retry-after': 'soon', 'ratelimit-reset': '2' }, now)).toBe(2_000);
  });

  it('waits ten seconds when no header says how long', () => {
    expect(rateLimitWaitMs({}, now)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
    expect(rateLimitWaitMs({ 'ratelimit-reset': 'never' }, now)).toBe(DEFAULT_RATE_LIMIT_WAIT_MS);
  });
});
