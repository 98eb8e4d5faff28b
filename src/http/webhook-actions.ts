import type { Logger } from '../logging/logger.js';
import { enqueueAccountSync, type LicenseQueue } from '../queue/license-queue.js';
import {
  holdDeletedAccount,
  holdForReauthorization,
  releaseReauthorizationHold,
} from '../store/account-holds.js';
import { withAccountLock } from '../store/account-lock.js';
import type { Database } from '../store/database.js';
import { markAccountDeleted } from '../store/mark-deleted.js';
import type { WebhookEvent } from './webhook-verification.js';

export interface WebhookActionDependencies {
  database: Database;
  queue: LicenseQueue;
  logger: Logger;
}

/** What an event led to, as the response and the log tell it. */
export type WebhookOutcome = 'sync queued' | 'held' | 'deleted' | 'ignored';

/**
 * Acts on one verified, fresh, first delivery of an event. Events about accounts carry the
 * account's id in `payload.id`; one without it is ignored, like an event this worker does not
 * act on.
 */
export async function actOnWebhookEvent(
  deps: WebhookActionDependencies,
  event: WebhookEvent,
): Promise<WebhookOutcome> {
  const accountId = typeof event.payload.id === 'string' ? event.payload.id : undefined;
  const action = accountId === undefined ? undefined : ACTIONS[event.name];
  if (action === undefined || accountId === undefined) {
    deps.logger.debug({ event: event.name, deliveryId: event.id }, 'webhook event ignored');
    return 'ignored';
  }
  const outcome = await action(deps, accountId, event);
  const fields = { event: event.name, deliveryId: event.id, integratedAccountId: accountId };
  deps.logger.info({ ...fields, outcome }, 'webhook event handled');
  return outcome;
}

type Action = (
  deps: WebhookActionDependencies,
  accountId: string,
  event: WebhookEvent,
) => Promise<WebhookOutcome>;

const queueSync: Action = async (deps, accountId, event) => {
  await enqueueAccountSync(deps.queue, {
    integratedAccountId: accountId,
    integration: integrationName(event.payload),
    trigger: 'webhook',
  });
  return 'sync queued';
};

const ACTIONS: Partial<Record<string, Action>> = {
  'integrated_account:created': queueSync,
  'integrated_account:active': queueSync,
  'integrated_account:reactivated': async (deps, accountId, event) => {
    await releaseReauthorizationHold(deps.database.db, accountId);
    return queueSync(deps, accountId, event);
  },
  'integrated_account:authentication_error': async (deps, accountId) => {
    await holdForReauthorization(deps.database.db, accountId);
    return 'held';
  },
  'integrated_account:deleted': async (deps, accountId) => {
    // The hold comes first, so that no sync starts from now on; a sync already running would
    // write licenses back, so the deletion waits for the account's lock. When a sync holds
    // it, the AccountBusyError makes the endpoint answer 503 and Truto deliver again.
    const { db } = deps.database;
    await holdDeletedAccount(db, accountId);
    await withAccountLock(deps.database, accountId, () => markAccountDeleted(db, accountId));
    return 'deleted';
  },
};

/** Truto's account objects name their integration as `integration: { name }`. */
function integrationName(payload: Record<string, unknown>): string | null {
  const integration = payload.integration;
  if (typeof integration !== 'object' || integration === null) return null;
  const name = (integration as { name?: unknown }).name;
  return typeof name === 'string' ? name : null;
}
