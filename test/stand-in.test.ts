import { afterEach, describe, expect, it } from 'vitest';
import {
  generateLicense,
  RawJsonRecord,
  startTrutoStandIn,
  type StandInOptions,
  type TrutoStandIn,
} from '../src/stand-in/truto-stand-in.js';

const ACCOUNT = '00000000-0000-4000-8000-000000000001';
const LICENSES = '/unified/user-directory/licenses';

interface Page {
  result: Record<string, unknown>[];
  next_cursor: string | null;
  prev_cursor: null;
  result_count: number;
  is_partial_response: boolean;
}

let standIn: TrutoStandIn | undefined;

afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function start(options: StandInOptions = {}): Promise<TrutoStandIn> {
  standIn = await startTrutoStandIn(options);
  return standIn;
}

function get(
  path: string,
  query: [string, string][] = [],
  init: { token?: string | null; signal?: AbortSignal } = {},
): Promise<Response> {
  if (standIn === undefined) {
    throw new Error('start() the stand-in first');
  }

  const url = new URL(path, standIn.url);
  url.search = new URLSearchParams(query).toString();
  const token = init.token === undefined ? standIn.token : init.token;
  const headers: Record<string, string> =
    token === null ? {} : { authorization: `Bearer ${token}` };
  return fetch(url, { headers, signal: init.signal });
}

function listLicenses(query: [string, string][] = [], account = ACCOUNT): Promise<Response> {
  return get(LICENSES, [['integrated_account_id', account], ...query]);
}

async function page(query: [string, string][] = [], account = ACCOUNT): Promise<Page> {
  const response = await listLicenses(query, account);
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

/** Reads a body chunk by chunk, counting bytes, until it ends or `stopAfter` bytes arrived. */
async function countBytes(response: Response, stopAfter = Infinity): Promise<number> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      return bytes;
    }
    bytes += value.length;
    if (bytes >= stopAfter) {
      await reader.cancel();
      return bytes;
    }
  }
}

describe('listing licenses', () => {
  it('pages through every record of an account by cursor', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 250 }] });
    const ids: unknown[] = [];
    const counts: number[] = [];
    let cursor: string | null = null;

    do {
      const query: [string, string][] = cursor === null ? [] : [['next_cursor', cursor]];
      const body = await page([['limit', '100'], ...query]);
      ids.push(...body.result.map((record) => record.id));
      counts.push(body.result_count);
      cursor = body.next_cursor;
    } while (cursor !== null);

    expect(counts).toEqual([100, 100, 50]);
    expect(ids).toEqual(Array.from({ length: 250 }, (_, index) => `lic-${index}`));
  });

  it('uses the default page size when the request has no limit', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 5 }], defaultPageSize: 2 });
    const body = await page();
    expect(body.result).toHaveLength(2);
    expect(body.next_cursor).toEqual(expect.any(String));
  });

  it('serves the generated records byte for byte, with next_cursor after result', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 3, seed: 7 }] });
    const response = await listLicenses();
    const text = await response.text();

    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('content-length')).toBeNull();
    const records = [0, 1, 2].map((index) => JSON.stringify(generateLicense(ACCOUNT, index, 7)));
    expect(text).toBe(
      `{"result":[${records.join(',')}],"next_cursor":null,"prev_cursor":null,` +
        '"result_count":3,"is_partial_response":false}',
    );
  });

  it('writes the cursor before the records for the page-cursor-first framing', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 3, framing: 'page-cursor-first' }] });
    const streamed = await listLicenses([
      ['truto_response_format', 'stream'],
      ['limit', '2'],
    ]);
    const text = await streamed.text();

    expect(text).toMatch(/^\{"next_cursor":"[^"]+","prev_cursor":null,"result_count":2,/);
    expect((JSON.parse(text) as Page).result).toHaveLength(2);

    // Only the stream format takes the account's framing.
    const unified = await (await listLicenses([['limit', '2']])).text();
    expect(unified).toMatch(/^\{"result":\[/);
  });

  it('serves all records as a bare array for the array framing, ignoring limit', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 150, framing: 'array' }] });
    const response = await listLicenses([
      ['truto_response_format', 'stream'],
      ['limit', '10'],
    ]);

    expect(response.headers.get('content-type')).toBe('application/json');
    const records = (await response.json()) as { id: string }[];
    expect(records).toHaveLength(150);
    expect(records[149]?.id).toBe('lic-149');
  });

  it('serves one record a line for the ndjson framing', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 3, framing: 'ndjson' }] });
    const response = await listLicenses([['truto_response_format', 'stream']]);

    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await response.text()).split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((line) => (JSON.parse(line) as { id: string }).id)).toEqual([
      'lic-0',
      'lic-1',
      'lic-2',
    ]);
  });

  it('serves explicit records as given, non-objects included', async () => {
    const records = [
      { id: 'a', name: 'x' },
      42,
      'text',
      null,
      [1, 2],
      { id: 'b', nested: { z: 1 } },
    ];
    await start({ accounts: [{ id: ACCOUNT, records, framing: 'ndjson' }] });

    expect((await page([['limit', '4']])).result).toEqual(records.slice(0, 4));
    const ndjson = await listLicenses([['truto_response_format', 'stream']]);
    const lines = (await ndjson.text()).trimEnd().split('\n');
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(records);
  });

  it('serves a raw JSON record exactly as written', async () => {
    const raw =
      '{"id":"huge","unit_amount":1e400,"assigned_quantity":123456789012345678901234567890}';
    await start({ accounts: [{ id: ACCOUNT, records: [new RawJsonRecord(raw)] }] });
    const text = await (await listLicenses()).text();
    expect(text).toContain(raw);
  });

  it('leaves out remote_data and excluded fields when asked', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 2, records: undefined }] });
    const body = await page([
      ['truto_ignore_remote_data', 'true'],
      ['truto_exclude_fields[]', 'description'],
      ['truto_exclude_fields[]', 'roles'],
    ]);

    const expected = { ...generateLicense(ACCOUNT, 1, 1) };
    delete expected.remote_data;
    delete expected.description;
    delete expected.roles;
    expect(body.result[1]).toEqual(expected);
  });

  it('drops the tail when licenses is lowered and 404s a removed account', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 5 }] });
    server.setAccount({ id: ACCOUNT, licenses: 3, seed: 2 });

    const body = await page();
    expect(body.result.map((record) => record.id)).toEqual(['lic-0', 'lic-1', 'lic-2']);
    expect(body.result[0]).toEqual(generateLicense(ACCOUNT, 0, 2));

    server.removeAccount(ACCOUNT);
    expect((await listLicenses()).status).toBe(404);
  });

  it('gets one license unwrapped, or 404s an unknown id', async () => {
    await start({ accounts: [{ id: ACCOUNT, licenses: 3 }] });
    const found = await get(`${LICENSES}/lic-2`, [['integrated_account_id', ACCOUNT]]);
    expect(await found.json()).toEqual(generateLicense(ACCOUNT, 2, 1));

    const missing = await get(`${LICENSES}/lic-3`, [['integrated_account_id', ACCOUNT]]);
    expect(missing.status).toBe(404);
  });
});

describe('refusals', () => {
  it('answers a missing or wrong token with 401 and no remote flag', async () => {
    await start({ accounts: [{ id: ACCOUNT }], token: 'right' });

    for (const token of [null, 'wrong']) {
      const response = await get(LICENSES, [['integrated_account_id', ACCOUNT]], { token });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid API token',
      });
    }
  });

  it('names a missing integrated_account_id in truto_error_insight', async () => {
    await start();
    const response = await get(LICENSES);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      truto_error_insight: { missing_required_query_parameters: ['integrated_account_id'] },
    });
  });

  it('refuses unknown accounts, inactive accounts and foreign cursors', async () => {
    await start({
      accounts: [
        { id: 'reauth', status: 'needs_reauth' },
        { id: 'connecting', status: 'connecting' },
        { id: ACCOUNT, licenses: 1 },
      ],
    });

    expect((await listLicenses([], 'nobody')).status).toBe(404);
    const reauth = await listLicenses([], 'reauth');
    expect(reauth.status).toBe(401);
    expect(await reauth.json()).toMatchObject({ truto_is_remote_error: true });
    expect((await listLicenses([], 'connecting')).status).toBe(400);
    expect((await listLicenses([['next_cursor', 'not-a-cursor']])).status).toBe(400);
    expect((await get('/unified/other')).status).toBe(404);
  });
});

describe('accounts and capabilities', () => {
  it('lists accounts under results, filtered by status and paged by cursor', async () => {
    await start({
      accountsArrayKey: 'results',
      accounts: [
        { id: 'a1', integration: 'microsoft365' },
        { id: 'a2', status: 'needs_reauth' },
        { id: 'a3' },
      ],
    });

    const first = await get('/integrated-account', [
      ['status', 'active'],
      ['limit', '1'],
    ]);
    const firstBody = (await first.json()) as { results: unknown[]; next_cursor: string };
    expect(firstBody.results).toEqual([
      {
        id: 'a1',
        tenant_id: 'tenant-a1',
        status: 'active',
        integration: { name: 'microsoft365', category: 'user-directory' },
        is_sandbox: false,
        created_at: expect.any(String) as unknown,
        updated_at: expect.any(String) as unknown,
      },
    ]);

    const second = await get('/integrated-account', [
      ['status', 'active'],
      ['limit', '1'],
      ['next_cursor', firstBody.next_cursor],
    ]);
    expect(await second.json()).toMatchObject({ results: [{ id: 'a3' }], next_cursor: null });
  });

  it('answers capabilities with or without licenses, and 404 for an unknown account', async () => {
    await start({ accounts: [{ id: 'yes' }, { id: 'no', supportsLicenses: false }] });
    const query: [string, string][] = [
      ['type', 'unified'],
      ['resource', 'licenses'],
    ];

    expect(await (await get('/integrated-account/yes/capabilities', query)).json()).toEqual({
      unified: [{ model: 'user-directory', resource: 'licenses', methods: ['list', 'get'] }],
      account: { id: 'yes', status: 'active', authentication_method: 'oauth2', is_blocked: false },
    });
    expect(await (await get('/integrated-account/no/capabilities', query)).json()).toMatchObject({
      unified: [],
    });
    expect((await get('/integrated-account/none/capabilities', query)).status).toBe(404);
  });

  it('records every request without its token', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 3 }] });
    const first = await page([['limit', '2']]);
    await page([
      ['limit', '2'],
      ['next_cursor', first.next_cursor ?? ''],
      ['remote_query[foo]', 'bar'],
    ]);
    await get('/integrated-account/x/capabilities');

    expect(server.requests).toEqual([
      expect.objectContaining({
        path: LICENSES,
        hasCursor: false,
        accountId: ACCOUNT,
        status: 200,
      }),
      expect.objectContaining({
        query: expect.objectContaining({ 'remote_query[foo]': 'bar' }) as unknown,
        hasCursor: true,
      }),
      expect.objectContaining({ method: 'GET', accountId: 'x', status: 404 }),
    ]);
    expect(JSON.stringify(server.requests)).not.toContain(server.token);
  });
});

describe('faults', () => {
  it('answers 429 with exactly the delay headers asked for', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 1 }] });
    server.injectFault({ kind: 'rate-limit' });
    server.injectFault({ kind: 'rate-limit', retryAfterSeconds: 7 });
    server.injectFault({ kind: 'rate-limit', retryAfterDate: true, retryAfterSeconds: 30 });
    server.injectFault({ kind: 'rate-limit', ratelimitResetSeconds: 12 });

    const bare = await listLicenses();
    expect(bare.status).toBe(429);
    expect([bare.headers.get('retry-after'), bare.headers.get('ratelimit-reset')]).toEqual([
      null,
      null,
    ]);

    expect((await listLicenses()).headers.get('retry-after')).toBe('7');

    const dated = Date.parse((await listLicenses()).headers.get('retry-after') ?? '');
    expect(dated - Date.now()).toBeGreaterThan(28_000);
    expect(dated - Date.now()).toBeLessThan(32_000);

    const vendor = await listLicenses();
    expect(vendor.headers.get('ratelimit-reset')).toBe('12');
    expect(vendor.headers.get('retry-after')).toBeNull();
    expect(await vendor.json()).toMatchObject({ statusCode: 429, truto_is_remote_error: true });
    expect((await listLicenses()).status).toBe(200);
  });

  it('answers error statuses with the error body, remote when asked', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 1 }] });
    server.injectFault({ kind: 'status', status: 502, remote: true, message: 'upstream died' });
    server.injectFault({ kind: 'vendor-unauthorized' });
    server.injectFault({ kind: 'blocked' });

    const bad = await listLicenses();
    expect(bad.status).toBe(502);
    expect(await bad.json()).toMatchObject({
      statusCode: 502,
      error: 'Bad Gateway',
      message: 'upstream died',
      truto_is_remote_error: true,
    });

    const vendor = await listLicenses();
    expect(vendor.status).toBe(401);
    expect(await vendor.json()).toMatchObject({ truto_is_remote_error: true });
    expect((await listLicenses()).status).toBe(503);
  });

  it('refuses a cursor as expired with a remote 400, leaving first pages alone', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 4 }] });
    server.injectFault({ kind: 'expired-cursor', withCursor: true });

    const first = await page([['limit', '2']]);
    expect(first.next_cursor).not.toBeNull();
    const refused = await listLicenses([
      ['limit', '2'],
      ['next_cursor', first.next_cursor ?? ''],
    ]);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      statusCode: 400,
      message: expect.stringMatching(/expired/),
      truto_is_remote_error: true,
    });
  });

  it('truncates the body mid-way so reading it rejects', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 50 }] });
    server.injectFault({ kind: 'truncate', afterRecords: 3 });

    const response = await listLicenses();
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });

  it('stalls the body after some records until the client gives up', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 50 }] });
    server.injectFault({ kind: 'stall', afterRecords: 2 });
    const controller = new AbortController();
    const query: [string, string][] = [['integrated_account_id', ACCOUNT]];

    const response = await get(LICENSES, query, { signal: controller.signal });
    const started = Date.now();
    const timer = setTimeout(() => {
      controller.abort();
    }, 300);

    await expect(response.text()).rejects.toThrow(/abort/i);
    clearTimeout(timer);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('delays headers, and trickles the same body in small pieces', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 2 }] });
    const expected = await (await listLicenses()).text();
    server.injectFault({ kind: 'slow-headers', delayMs: 200 });
    server.injectFault({ kind: 'trickle', bytesPerChunk: 500, delayMs: 20 });

    const slowStart = Date.now();
    const slow = await listLicenses();
    expect(Date.now() - slowStart).toBeGreaterThanOrEqual(190);
    expect(await slow.text()).toBe(expected);

    const trickleStart = Date.now();
    expect(await (await listLicenses()).text()).toBe(expected);
    const pauses = Math.floor(Buffer.byteLength(expected) / 500);
    expect(Date.now() - trickleStart).toBeGreaterThanOrEqual(pauses * 20 - 10);
  });

  it('serves invalid JSON, and HTML under a wrong content type, with status 200', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 2 }] });
    server.injectFault({ kind: 'invalid-json' });
    server.injectFault({ kind: 'wrong-content-type' });

    const invalid = await listLicenses();
    expect(invalid.status).toBe(200);
    const text = await invalid.text();
    expect(text).toMatch(/^\{"result":\[/);
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);

    const html = await listLicenses();
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toMatch(/^<html>.*<\/html>$/);
  });

  it('hands back the cursor it was asked with under repeat-cursor', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 10 }] });
    server.injectFault({ kind: 'repeat-cursor', times: 2 });

    const first = await page([['limit', '3']]);
    expect(first.result[0]?.id).toBe('lic-0');
    const again = await page([
      ['limit', '3'],
      ['next_cursor', first.next_cursor ?? ''],
    ]);
    expect(again.next_cursor).toBe(first.next_cursor);
    expect(again.result[0]?.id).toBe('lic-0');

    // The cursor handed out on a first page keeps pointing at itself once the fault is used up.
    const later = await page([
      ['limit', '3'],
      ['next_cursor', first.next_cursor ?? ''],
    ]);
    expect(later.next_cursor).toBe(first.next_cursor);
  });

  it('repeats a cursor that came from a normal page', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 10 }] });
    const first = await page([['limit', '3']]);
    server.injectFault({ kind: 'repeat-cursor', withCursor: true });

    const second = await page([
      ['limit', '3'],
      ['next_cursor', first.next_cursor ?? ''],
    ]);
    expect(second.result[0]?.id).toBe('lic-3');
    expect(second.next_cursor).toBe(first.next_cursor);
  });

  it('marks a page as partial', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 2 }] });
    server.injectFault({ kind: 'partial' });
    expect(await page()).toMatchObject({ is_partial_response: true, result_count: 2 });
    expect(await page()).toMatchObject({ is_partial_response: false });
  });

  it('keeps writing an endless result array until the client aborts', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 1 }] });
    server.injectFault({ kind: 'endless' });

    const response = await listLicenses();
    const bytes = await countBytes(response, 2_000_000);
    expect(bytes).toBeGreaterThanOrEqual(2_000_000);
    expect((await page()).result).toHaveLength(1);
  });

  it('skips afterRequests matching requests and then applies the fault times times', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 10 }, { id: 'other' }] });
    server.injectFault({
      kind: 'status',
      status: 500,
      accountId: ACCOUNT,
      afterRequests: 1,
      times: 2,
    });

    await listLicenses([], 'other');
    const statuses: number[] = [];
    for (let request = 0; request < 4; request++) {
      statuses.push((await listLicenses()).status);
    }

    expect(statuses).toEqual([200, 500, 500, 200]);
    expect(server.requests[0]?.status).toBe(200);
  });

  it('matches faults by path and by whether the request carries a cursor', async () => {
    const server = await start({ accounts: [{ id: ACCOUNT, licenses: 10 }] });
    server.injectFault({ kind: 'status', status: 410, withCursor: true, times: Infinity });
    server.injectFault({ kind: 'blocked', path: 'capabilities' });

    const first = await page([['limit', '5']]);
    expect((await listLicenses([['next_cursor', first.next_cursor ?? '']])).status).toBe(410);
    expect((await get(`/integrated-account/${ACCOUNT}/capabilities`)).status).toBe(503);

    server.clearFaults();
    expect((await listLicenses([['next_cursor', first.next_cursor ?? '']])).status).toBe(200);
  });
});

describe('generated licenses', () => {
  it('are deterministic, keep ids across seeds and change content with the seed', () => {
    expect(generateLicense(ACCOUNT, 5, 1)).toEqual(generateLicense(ACCOUNT, 5, 1));

    const reseeded = generateLicense(ACCOUNT, 5, 2);
    expect(reseeded.id).toBe('lic-5');
    expect(reseeded).not.toEqual(generateLicense(ACCOUNT, 5, 1));
    expect(generateLicense('another-account', 5, 1)).not.toEqual(generateLicense(ACCOUNT, 5, 1));
  });

  it('are about 1 KB of JSON and bend types the way real payloads do', () => {
    const records = Array.from({ length: 500 }, (_, index) => generateLicense(ACCOUNT, index, 3));
    const sizes = records.map((record) => JSON.stringify(record).length);

    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(700);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(1500);
    expect(records.some((record) => typeof record.unit_amount === 'string')).toBe(true);
    expect(records.some((record) => typeof record.available_quantity === 'string')).toBe(true);
    expect(records.some((record) => String(record.created_at).includes('T'))).toBe(true);
    expect(records.some((record) => /^\d{4}-\d\d-\d\d \d\d:/.test(String(record.created_at)))).toBe(
      true,
    );
  });
});

describe('streaming', () => {
  it('streams 200k licenses as an array without holding the body in memory', async () => {
    const count = 200_000;
    await start({ accounts: [{ id: ACCOUNT, licenses: count, framing: 'array' }] });
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);

    const started = performance.now();
    const response = await listLicenses([['truto_response_format', 'stream']]);
    const firstByte = performance.now() - started;
    const bytes = await countBytes(response);
    const total = performance.now() - started;
    clearInterval(sampler);

    // The body is ~240 MB; buffering it anywhere would grow the process by more than that.
    expect(bytes).toBeGreaterThan(count * 700);
    expect(peak - baseline).toBeLessThan(100 * 1024 * 1024);
    expect(firstByte).toBeLessThan(total / 4);
  });
});
