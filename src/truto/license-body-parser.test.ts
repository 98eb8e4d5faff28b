import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import v8 from 'node:v8';
import { BodyFormatError, LicenseBodyParser } from './license-body-parser.js';
import type { ListedRecord } from './listed-record.js';

const limits = { maxChars: 10_000, maxDepth: 8 };

/** Feeds the body in chunks of `size` bytes, so that every token boundary gets split. */
function parse(body: string, contentType = 'application/json', size = 7) {
  const parser = new LicenseBodyParser(contentType, limits);
  const bytes = Buffer.from(body);
  const records: ListedRecord[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) {
    records.push(...parser.push(bytes.subarray(offset, offset + size)));
  }
  const last = parser.end();
  return { records: [...records, ...last.records], summary: last.summary };
}

const values = (records: ListedRecord[]) =>
  records.map((record) =>
    record.kind === 'record' ? (JSON.parse(record.bytes.toString()) as unknown) : record,
  );

describe('LicenseBodyParser', () => {
  it('reads a page object with the cursor after the records', () => {
    const { records, summary } = parse(
      '{"result":[{"id":"a","n":1},{"id":"é"}],"next_cursor":"c2","result_count":2}',
    );
    expect(values(records)).toEqual([{ id: 'a', n: 1 }, { id: 'é' }]);
    expect(summary).toEqual({ framing: 'page', nextCursor: 'c2', isPartialResponse: false });
  });

  it('reads a page object with the cursor before the records', () => {
    const { records, summary } = parse(
      '{"next_cursor":"c9","is_partial_response":true,"meta":{"x":[1,{}]},"result":[{"id":"a"}]}',
    );
    expect(values(records)).toEqual([{ id: 'a' }]);
    expect(summary).toEqual({ framing: 'page', nextCursor: 'c9', isPartialResponse: true });
  });

  it('treats a null, missing or empty cursor as the end of the listing', () => {
    expect(parse('{"result":[],"next_cursor":null}').summary.nextCursor).toBeNull();
    expect(parse('{"result":[]}').summary.nextCursor).toBeNull();
    expect(parse('{"result":[],"next_cursor":""}').summary.nextCursor).toBeNull();
  });

  it('reads a bare array of records', () => {
    const { records, summary } = parse('[{"id":"a"},{"id":"b","x":[1,2]}]');
    expect(values(records)).toEqual([{ id: 'a' }, { id: 'b', x: [1, 2] }]);
    expect(summary.framing).toBe('array');
    expect(summary.nextCursor).toBeNull();
  });

  it('reads newline-delimited records, by content type or by their first key', () => {
    const body = '{"id":"a"}\n{"id":"b"}\n"not an object"\n';
    for (const type of ['application/x-ndjson', 'application/json']) {
      const { records, summary } = parse(body, type);
      expect(values(records)).toEqual([{ id: 'a' }, { id: 'b' }, 'not an object']);
      expect(summary.framing).toBe('ndjson');
    }
  });

  it('accepts an empty newline-delimited body as an empty listing', () => {
    expect(parse('', 'application/x-ndjson').records).toEqual([]);
  });

  it('keeps records that are not objects, for the normalizer to reject', () => {
    const { records } = parse('{"result":[1,null,"x",[2]]}');
    expect(values(records)).toEqual([1, null, 'x', [2]]);
  });

  it('reports a record over the size limit with its id, without assembling it', () => {
    const big = 'x'.repeat(20_000);
    const { records } = parse(
      `[{"id":"big","blob":"${big}"},{"id":"ok"}]`,
      'application/json',
      4096,
    );
    expect(records[0]).toEqual({
      kind: 'oversized',
      licenseId: 'big',
      reason: 'record is larger than the limit of 10000 characters',
    });
    expect(values(records.slice(1))).toEqual([{ id: 'ok' }]);
  });

  it('reports a record nested past the depth limit and goes on with the next', () => {
    const deep = '['.repeat(50) + ']'.repeat(50);
    const { records } = parse(`[{"deep":${deep},"id":7},{"id":"ok"}]`);
    expect(records[0]).toMatchObject({ kind: 'oversized', licenseId: '7' });
    expect(values(records.slice(1))).toEqual([{ id: 'ok' }]);
  });

  it('fails on a body cut off in the middle', () => {
    expect(() => parse('{"result":[{"id":"a"},{"id":"b"')).toThrow(BodyFormatError);
    expect(() => parse('[{"id":"a"}')).toThrow(BodyFormatError);
  });

  it('fails on a body that is not JSON', () => {
    expect(() => parse('<html>bad gateway</html>', 'text/html')).toThrow(BodyFormatError);
    expect(() => parse('{"result":[{"id":"a",}]}')).toThrow(BodyFormatError);
    expect(() => parse('[{"id":"a"} {"id":"b"}]')).toThrow(BodyFormatError);
    expect(() => parse('[{"id":"a","n":tru}]')).toThrow(BodyFormatError);
    expect(() => parse('[{"id":"a","n":01}]')).toThrow(BodyFormatError);
    expect(() => parse('[{"id":"a","n":1.}]')).toThrow(BodyFormatError);
    expect(() => parse('[{"id":"a"]]')).toThrow(BodyFormatError);
    expect(() => parse('{"result":[],"next_cursor":"x"}{"id":"a"}')).toThrow(BodyFormatError);
  });

  it('hands each record over as its bytes, with its top-level id read from them', () => {
    const body = '[{"x":{"id":"inner"},"id":"a\\"b"}, {"id" : 42.0}, {"id":[1]}, 7]';
    const { records } = parse(body, 'application/json', 3);
    expect(records.map((record) => record.licenseId)).toEqual(['a"b', '42', null, null]);
    const first = records[0];
    expect(first?.kind === 'record' && first.bytes.toString()).toBe(
      '{"x":{"id":"inner"},"id":"a\\"b"}',
    );
  });

  it('finds string ends across pieces, whatever the backslashes before a quote', () => {
    const names = ['\\', 'a\\"', '\\\\', '\\"\\"', 'é\\u00e9', '"'];
    const body = JSON.stringify({ result: names.map((name, i) => ({ id: String(i), name })) });
    for (const size of [1, 2, 3, 5, 8]) {
      const { records, summary } = parse(body, 'application/json', size);
      expect(values(records)).toEqual((JSON.parse(body) as { result: unknown }).result);
      expect(summary.framing).toBe('page');
    }
  });

  it('fails on an empty JSON body', () => {
    expect(() => parse('')).toThrow(BodyFormatError);
  });
});

describe('LicenseBodyParser against JSON.parse', () => {
  it('reads every random listing as JSON.parse reads it, in pieces of any size', () => {
    const random = seeded(20261203);
    for (let round = 0; round < 300; round += 1) {
      const result = Array.from({ length: 1 + Math.floor(random() * 5) }, () =>
        randomValue(random, 0),
      );
      const page = { next_cursor: randomText(random), result, meta: randomValue(random, 2) };
      const body = JSON.stringify(page, null, round % 3 === 0 ? 2 : undefined);
      const size = 1 + Math.floor(random() * 40);
      const { records, summary } = parse(body, 'application/json', size);
      expect(values(records)).toEqual((JSON.parse(body) as { result: unknown }).result);
      expect(summary.nextCursor).toBe(page.next_cursor === '' ? null : page.next_cursor);
    }
  });
});

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXT_PARTS = ['a', 'id', '"', '\\', '\n', 'é', '😀', '{', ']', ',', ':', ' ', '\u0000'];

function randomText(random: () => number): string {
  let text = '';
  const length = Math.floor(random() * 8);
  for (let i = 0; i < length; i += 1) {
    text += TEXT_PARTS[Math.floor(random() * TEXT_PARTS.length)] ?? '';
  }
  return text;
}

function randomValue(random: () => number, depth: number): unknown {
  const pick = Math.floor(random() * (depth > 4 ? 5 : 7));
  if (pick === 0) return randomText(random);
  if (pick === 1) return Math.floor(random() * 2_000_000) - 1_000_000;
  if (pick === 2) return (random() - 0.5) * 10 ** Math.floor(random() * 40 - 20);
  if (pick === 3) return [true, false, null][Math.floor(random() * 3)];
  if (pick === 4) return random() < 0.5 ? { id: randomText(random) } : [];
  if (pick === 5) {
    return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  }
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(random() * 5); i > 0; i -= 1) {
    object[randomText(random)] = randomValue(random, depth + 1);
  }
  return object;
}

describe('LicenseBodyParser memory', () => {
  it('keeps no part of the body alive through the cursor it returns', () => {
    v8.setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const padding = 'x'.repeat(200_000);
    const page = (n: number) =>
      Buffer.from(`{"result":[{"id":"${padding}"}],"next_cursor":"cursor-of-page-${String(n)}"}`);
    const wide = { maxChars: 1_000_000, maxDepth: 8 };

    collect();
    const before = process.memoryUsage().heapUsed;
    // A sync holds every cursor of its listing, to notice one Truto sends twice.
    const cursors = Array.from({ length: 100 }, (_, n) => {
      const parser = new LicenseBodyParser('application/json', wide);
      parser.push(page(n));
      return parser.end().summary.nextCursor;
    });
    collect();
    const grownMb = (process.memoryUsage().heapUsed - before) / 2 ** 20;

    expect(cursors.at(-1)).toBe('cursor-of-page-99');
    // 100 bodies of 200 KB: a cursor sliced out of its chunk's text would hold about 20 MB.
    expect(grownMb).toBeLessThan(5);
  });
});
