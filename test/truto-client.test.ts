import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import { TrutoClient } from '../src/truto/truto-client.js';
import { TrutoError } from '../src/truto/truto-error.js';
import type { ListedRecord } from '../src/truto/listed-record.js';
import { captureLogger } from './support/capture-logger.js';

const TOKEN = 'client-test-token-55e1';
let standIn: TrutoStandIn;
let client: TrutoClient;
const { logger, lines } = captureLogger();

beforeAll(async () => {
  standIn = await startTrutoStandIn({ token: TOKEN });
  standIn.setAccount({ id: 'a1', licenses: 30 });
  client = new TrutoClient({
    apiUrl: standIn.url,
    apiToken: TOKEN,
    responseFormat: 'unified',
    pageSize: 25,
    connectTimeoutMs: 1_000,
    headersTimeoutMs: 1_000,
    bodyIdleTimeoutMs: 1_000,
    retries: 2,
    retryMinDelayMs: 1,
    retryMaxDelayMs: 5,
    maxRetryAfterMs: 1_000,
    recordLimits: { maxChars: 100_000, maxDepth: 32 },
    logger,
  });
});

afterAll(async () => {
  await client.close();
  await standIn.close();
});

async function collect(cursor: string | null) {
  const records: ListedRecord[] = [];
  const page = await client.listPage(
    { integratedAccountId: 'a1', cursor, extraParams: {} },
    (r) => {
      records.push(...r);
    },
  );
  return { page, records };
}

describe('TrutoClient', () => {
  it('asks for the configured format and page size, and pages by cursor', async () => {
    const first = await collect(null);
    expect(first.records).toHaveLength(25);
    expect(first.page).toMatchObject({ framing: 'page', records: 25 });
    expect(first.page.nextCursor).not.toBeNull();

    const second = await collect(first.page.nextCursor);
    expect(second.records).toHaveLength(5);
    expect(second.page.nextCursor).toBeNull();

    const request = standIn.requests.at(-1);
    expect(request?.query).toMatchObject({ truto_response_format: 'unified', limit: '25' });
  });

  it('gets one license by id', async () => {
    const license = await client.getLicense('a1', 'lic-3', {});
    expect(license).toMatchObject({ id: 'lic-3' });
  });

  it('reports an unknown license as a 404 that is not retried', async () => {
    const before = standIn.requests.length;
    const failure = client.getLicense('a1', 'no-such-license', {});
    await expect(failure).rejects.toBeInstanceOf(TrutoError);
    await expect(failure).rejects.toMatchObject({ kind: 'rejected', status: 404 });
    expect(standIn.requests.length - before).toBe(1);
  });

  it('logs each retry with the error, without the token', async () => {
    standIn.injectFault({ kind: 'status', status: 500, accountId: 'a1' });
    await collect(null);
    const retry = lines.map((line) => JSON.parse(line) as Record<string, unknown>).at(-1);
    expect(retry).toMatchObject({ level: 40, msg: 'Truto request failed; retrying', status: 500 });
    expect(lines.join('\n')).not.toContain(TOKEN);
  });

  it('refuses a page holding more records than asked for, handing none of the extra on', async () => {
    standIn.injectFault({ kind: 'endless', accountId: 'a1', times: Infinity });
    const received: ListedRecord[] = [];
    const listing = client.listPage(
      { integratedAccountId: 'a1', cursor: null, extraParams: {} },
      (r) => {
        received.push(...r);
      },
    );
    await expect(listing).rejects.toMatchObject({ kind: 'bad-body' });
    await expect(listing).rejects.toThrow(/more than the 25 records/);
    standIn.clearFaults();
    expect(received.length).toBeLessThanOrEqual(25);
  });
});
