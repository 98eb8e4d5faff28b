import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fanOut, type AccountToSync } from '../src/queue/fan-out.js';
import { listKnownAccounts } from '../src/store/accounts.js';
import {
  startTrutoStandIn,
  type StandInAccount,
  type StandInOptions,
  type TrutoStandIn,
} from '../src/stand-in/truto-stand-in.js';
import { TrutoError } from '../src/truto/truto-error.js';
import type { Database } from '../src/store/database.js';
import { createTestDatabase } from './support/test-database.js';
import { syncHarness } from './support/sync-harness.js';

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database.drop();
});

beforeEach(async () => {
  await database.pool.query('delete from integrated_accounts');
});

afterEach(async () => {
  await standIn.close();
});

/** A stand-in of its own for each test, holding `count` accounts made by `make`. */
async function serveAccounts(
  count: number,
  make: (index: number) => Partial<StandInAccount> = () => ({}),
  options: StandInOptions = {},
): Promise<void> {
  const accounts = Array.from({ length: count }, (_, index) => ({
    id: `acct-${String(index).padStart(4, '0')}`,
    ...make(index),
  }));
  standIn = await startTrutoStandIn({ ...options, accounts });
}

async function runFanOut(licenseIntegrations: string[] | null = null, apiUrl = standIn.url) {
  const { deps, truto, logs } = syncHarness(database, { ...standIn, url: apiUrl });
  const batches: AccountToSync[][] = [];
  try {
    const summary = await fanOut(
      { truto, db: database.db, logger: deps.logger, licenseIntegrations },
      async (accounts) => {
        batches.push(accounts);
        await Promise.resolve();
      },
    );
    return { summary, batches, enqueued: batches.flat(), logs };
  } finally {
    await truto.close();
  }
}

function requestsTo(pathPattern: RegExp) {
  return standIn.requests.filter((request) => pathPattern.test(request.path));
}

const LISTING = /^\/integrated-account\/?$/;
const CAPABILITIES = /\/capabilities$/;

describe('fanning out over the integrated accounts', () => {
  it('pages through 250 accounts a hundred at a time and enqueues each page', async () => {
    await serveAccounts(250);
    const { summary, batches } = await runFanOut(['zoom']);

    expect(summary).toEqual({ listed: 250, enqueued: 250, skipped: {} });
    expect(batches.map((batch) => batch.length)).toEqual([100, 100, 50]);
    expect(new Set(batches.flat().map((a) => a.integratedAccountId)).size).toBe(250);

    const listing = requestsTo(LISTING);
    expect(listing.map((request) => request.query.limit)).toEqual(['100', '100', '100']);
    expect(listing.map((request) => request.hasCursor)).toEqual([false, true, true]);
    expect(listing.every((request) => request.query.status === undefined)).toBe(true);
    expect(await listKnownAccounts(database.db)).toHaveLength(250);
  });

  it.each(['result', 'results'] as const)(
    'reads the accounts when the array is called %s',
    async (accountsArrayKey) => {
      await serveAccounts(120, () => ({}), { accountsArrayKey });
      const { summary } = await runFanOut(['zoom']);
      expect(summary).toEqual({ listed: 120, enqueued: 120, skipped: {} });
    },
  );

  it('records accounts that are not active with their status, without enqueuing them', async () => {
    const statuses = ['active', 'needs_reauth', 'connecting', 'needs_reauth', 'active'] as const;
    await serveAccounts(statuses.length, (index) => ({ status: statuses[index] }));
    const { summary, enqueued } = await runFanOut(['zoom']);

    expect(summary).toEqual({
      listed: 5,
      enqueued: 2,
      skipped: { 'not active: needs_reauth': 2, 'not active: connecting': 1 },
    });
    expect(enqueued.map((a) => a.integratedAccountId)).toEqual(['acct-0000', 'acct-0004']);
    const known = await listKnownAccounts(database.db);
    expect(known.map((a) => [a.id, a.trutoStatus, a.needsReauth])).toEqual([
      ['acct-0000', 'active', false],
      ['acct-0001', 'needs_reauth', true],
      ['acct-0002', 'connecting', false],
      ['acct-0003', 'needs_reauth', true],
      ['acct-0004', 'active', false],
    ]);
    expect(known[0]).toMatchObject({ tenantId: 'tenant-acct-0000', integration: 'zoom' });
    expect(known.every((a) => a.listedAt !== null)).toBe(true);
  });

  it('asks the capabilities of active accounts only, and skips those without licenses', async () => {
    await serveAccounts(6, (index) => ({
      status: index === 5 ? 'validation_error' : 'active',
      supportsLicenses: index % 2 === 0,
    }));
    const { summary, enqueued } = await runFanOut(null);

    expect(summary).toEqual({
      listed: 6,
      enqueued: 3,
      skipped: { 'no licenses': 2, 'not active: validation_error': 1 },
    });
    expect(enqueued.map((a) => a.integratedAccountId)).toEqual([
      'acct-0000',
      'acct-0002',
      'acct-0004',
    ]);
    const asked = requestsTo(CAPABILITIES).map((request) => request.accountId);
    expect(asked.sort()).toEqual(['acct-0000', 'acct-0001', 'acct-0002', 'acct-0003', 'acct-0004']);
    expect(requestsTo(CAPABILITIES)[0]?.query).toMatchObject({
      type: 'unified',
      resource: 'licenses',
    });
    const known = await listKnownAccounts(database.db);
    expect(known.map((a) => a.supportsLicenses)).toEqual([true, false, true, false, true, null]);
  });

  it('decides by the allow-list alone when one is configured', async () => {
    const integrations = ['zoom', 'google_workspace', 'microsoft365', 'zoom'];
    await serveAccounts(4, (index) => ({ integration: integrations[index] }));
    const { summary, enqueued } = await runFanOut(['zoom', 'microsoft365']);

    expect(summary).toEqual({ listed: 4, enqueued: 3, skipped: { 'no licenses': 1 } });
    expect(enqueued).toContainEqual({
      integratedAccountId: 'acct-0002',
      integration: 'microsoft365',
    });
    expect(requestsTo(CAPABILITIES)).toHaveLength(0);
    const known = await listKnownAccounts(database.db);
    expect(known.map((a) => a.supportsLicenses)).toEqual([true, false, true, true]);
  });

  it('skips an account whose capabilities are not found, and says so', async () => {
    await serveAccounts(3);
    standIn.injectFault({
      kind: 'status',
      status: 404,
      path: 'capabilities',
      accountId: 'acct-0001',
    });
    const { summary, logs } = await runFanOut(null);

    expect(summary).toEqual({
      listed: 3,
      enqueued: 2,
      skipped: { 'capabilities not found': 1 },
    });
    const warning = logs.find((line) => line.includes('Capabilities of a listed account'));
    expect(JSON.parse(warning ?? '{}')).toMatchObject({
      level: 40,
      integratedAccountId: 'acct-0001',
    });
  });

  it('skips an account whose vendor refuses its credentials, and syncs the others', async () => {
    await serveAccounts(6);
    standIn.injectFault({
      kind: 'vendor-unauthorized',
      path: 'capabilities',
      accountId: 'acct-0002',
    });
    standIn.injectFault({ kind: 'blocked', path: 'capabilities', accountId: 'acct-0004' });
    const { summary, enqueued } = await runFanOut(null);

    expect(summary).toEqual({
      listed: 6,
      enqueued: 4,
      skipped: {
        'capabilities: needs re-authorization': 1,
        'capabilities: account blocked': 1,
      },
    });
    expect(enqueued.map((account) => account.integratedAccountId)).not.toContain('acct-0002');
  });

  it('fails when a capabilities call fails for another reason', async () => {
    await serveAccounts(8);
    standIn.injectFault({
      kind: 'status',
      status: 403,
      path: 'capabilities',
      accountId: 'acct-0005',
    });

    const failure = runFanOut(null);
    await expect(failure).rejects.toBeInstanceOf(TrutoError);
    await expect(failure).rejects.toMatchObject({ status: 403, kind: 'rejected' });
    expect(await listKnownAccounts(database.db)).toHaveLength(0);
  });

  it('stops with an error when the accounts listing repeats its cursor', async () => {
    await serveAccounts(150);
    standIn.injectFault({ kind: 'repeat-cursor', path: 'accounts', times: Infinity });

    await expect(runFanOut(['zoom'])).rejects.toThrow(/repeated a next_cursor on page 2/);
    expect(requestsTo(LISTING)).toHaveLength(2);
  });

  it('retries a listing page that failed with a 500', async () => {
    await serveAccounts(250);
    standIn.injectFault({ kind: 'status', status: 500, path: 'accounts', withCursor: true });
    const { summary } = await runFanOut(['zoom']);

    expect(summary).toMatchObject({ listed: 250, enqueued: 250 });
    expect(requestsTo(LISTING).map((request) => request.status)).toEqual([200, 500, 200, 200]);
  });

  it('logs one summary line when it is done', async () => {
    await serveAccounts(3, (index) => ({ status: index === 0 ? 'needs_reauth' : 'active' }));
    const { logs } = await runFanOut(['zoom']);

    const summaries = logs.filter((line) => line.includes('"msg":"Fan-out finished"'));
    expect(summaries).toHaveLength(1);
    expect(JSON.parse(summaries[0] ?? '{}')).toMatchObject({
      level: 30,
      listed: 3,
      enqueued: 2,
      skipped: { 'not active: needs_reauth': 1 },
      durationMs: expect.any(Number),
    });
  });

  it('leaves the run columns alone and keeps a support flag it did not ask about', async () => {
    await serveAccounts(2);
    await runFanOut(null);
    await database.pool.query(
      `update integrated_accounts set last_run_id = 7, last_run_status = 'failed',
              consecutive_failures = 3, last_error = 'boom', last_success_at = now()`,
    );

    standIn.setAccount({ id: 'acct-0001', status: 'needs_reauth' });
    await runFanOut(null);

    const { rows } = await database.pool.query<Record<string, unknown>>(
      `select id, truto_status, needs_reauth, supports_licenses, last_run_id, last_run_status,
              consecutive_failures, last_error, last_success_at is not null as succeeded_once
         from integrated_accounts order by id`,
    );
    expect(rows[1]).toEqual({
      id: 'acct-0001',
      truto_status: 'needs_reauth',
      needs_reauth: true,
      supports_licenses: true,
      last_run_id: '7',
      last_run_status: 'failed',
      consecutive_failures: 3,
      last_error: 'boom',
      succeeded_once: true,
    });
  });

  it('counts listing entries without an id as skipped and records the rest', async () => {
    await serveAccounts(0);
    const page = {
      result: [
        { id: 'acct-a', status: 'active', integration: { name: 'zoom' } },
        { status: 'active', integration: { name: 'zoom' } },
        { id: 42, status: 'active' },
        'not an account',
      ],
      next_cursor: '',
    };
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const { summary } = await runFanOut(['zoom'], `http://127.0.0.1:${port}`);

      expect(summary).toEqual({ listed: 4, enqueued: 1, skipped: { 'no id': 3 } });
      const known = await listKnownAccounts(database.db);
      expect(known).toMatchObject([{ id: 'acct-a', tenantId: null, integration: 'zoom' }]);
    } finally {
      server.close();
    }
  });
});
