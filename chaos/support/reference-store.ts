import { openRuntime, syncDependencies } from '../../src/app/runtime.js';
import { loadConfig } from '../../src/config/config.js';
import type { StandInAccount, TrutoStandIn } from '../../src/stand-in/truto-stand-in.js';
import type { Database } from '../../src/store/database.js';
import { syncAccount } from '../../src/sync/sync-account.js';
import { createMemoryRateLimits } from '../../src/truto/redis-rate-limits.js';
import type { ChaosContext } from './chaos-context.js';
import { digestAccount, type AccountDigest } from './table-digest.js';

/**
 * The expected state of an account: a clean, fault-free sync of the same stand-in data into
 * a schema of its own, digested. Each account is synced once and remembered.
 */
export class ReferenceStore {
  #schema: Database | undefined;
  #standIn: TrutoStandIn | undefined;
  readonly #digests = new Map<string, Promise<AccountDigest>>();

  constructor(private readonly context: ChaosContext) {}

  expected(account: StandInAccount): Promise<AccountDigest> {
    const key = JSON.stringify(account);
    let digest = this.#digests.get(key);
    if (digest === undefined) {
      digest = this.#syncClean(account);
      this.#digests.set(key, digest);
    }
    return digest;
  }

  async #syncClean(account: StandInAccount): Promise<AccountDigest> {
    this.#schema ??= await this.context.createSchema('reference');
    this.#standIn ??= await this.context.startStandIn([]);
    this.#standIn.setAccount(account);

    const environment = this.context.environment({ schema: this.#schema.schema }, this.#standIn, {
      LOG_LEVEL: 'silent',
    });
    const runtime = openRuntime(loadConfig(environment));
    const deps = syncDependencies(runtime, createMemoryRateLimits(runtime.config.rateLimits));
    try {
      const result = await syncAccount(deps, {
        integratedAccountId: account.id,
        trigger: 'cli',
      });
      if (result.status !== 'succeeded') {
        throw new Error(`The clean reference sync of ${account.id} failed`, {
          cause: result.error,
        });
      }
    } finally {
      await deps.truto.close();
      await runtime.close();
    }
    return digestAccount(this.#schema.pool, account.id);
  }
}
