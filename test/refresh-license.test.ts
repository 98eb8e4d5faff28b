import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrutoStandIn, type TrutoStandIn } from '../src/stand-in/truto-stand-in.js';
import { AccountBusyError, withAccountLock } from '../src/store/account-lock.js';
import type { Database } from '../src/store/database.js';
import { refreshLicense } from '../src/sync/refresh-license.js';
import { syncAccount } from '../src/sync/sync-account.js';
import { createTestDatabase } from './support/test-database.js';
import { syncHarness } from './support/sync-harness.js';

let database: Database & { drop(): Promise<void> };
let standIn: TrutoStandIn;

beforeAll(async () => {
  database = await createTestDatabase();
  standIn = await startTrutoStandIn({ token: 'refresh-test-token' });
  standIn.setAccount({ id: 'refresh-1', licenses: 5 });
});

afterAll(async () => {
  await standIn.close();
  await database.drop();
});

async function refresh(licenseId: string) {
  const { deps, truto } = syncHarness(database, standIn);
  try {
    return await refreshLicense(deps, {
      integratedAccountId: 'refresh-1',
      licenseId,
      trigger: 'on-demand',
    });
  } finally {
    await truto.close();
  }
}

describe('refreshing one license', () => {
  it('stores the license Truto returns, as a run naming it', async () => {
    const result = await refresh('lic-2');
    expect(result).toMatchObject({ status: 'succeeded', counts: { recordsSeen: 1, written: 1 } });
    const runs = await database.pool.query('select license_id, status from sync_runs');
    expect(runs.rows).toEqual([{ license_id: 'lic-2', status: 'succeeded' }]);
  });

  it('waits while the account is being synced, so that the running pass never sees it twice', async () => {
    // A refresh in the middle of a pass moved last_seen_at, and the pass then took the
    // license for one it had listed already and marked it listed_twice_at.
    await withAccountLock(database, 'refresh-1', async () => {
      await expect(refresh('lic-3')).rejects.toBeInstanceOf(AccountBusyError);
    });

    const { deps, truto } = syncHarness(database, standIn);
    await syncAccount(deps, { integratedAccountId: 'refresh-1', trigger: 'cli' });
    await truto.close();
    const twice = await database.pool.query(
      'select id from licenses where listed_twice_at is not null',
    );
    expect(twice.rows).toEqual([]);
  });
});
