import { describe, expect, it } from 'vitest';
import { IdFilter } from './id-filter.js';

describe('IdFilter', () => {
  it('has every id added, through growth', () => {
    const filter = new IdFilter();
    const ids = Array.from({ length: 50_000 }, (_, n) => `license-${n}`);
    for (const id of ids) filter.add(id);
    expect(ids.every((id) => filter.mayHave(id))).toBe(true);
  });

  it('rarely claims an id it was never given', () => {
    const filter = new IdFilter();
    for (let n = 0; n < 50_000; n += 1) filter.add(`license-${n}`);
    let wrong = 0;
    for (let n = 0; n < 50_000; n += 1) if (filter.mayHave(`other-${n}`)) wrong += 1;
    expect(wrong).toBeLessThan(5);
  });
});
