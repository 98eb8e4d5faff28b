import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Redis } from 'ioredis';
import { AccountBusyError } from '../store/account-lock.js';
import { actOnWebhookEvent, type WebhookActionDependencies } from './webhook-actions.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import {
  freshness,
  hasValidSignature,
  parseWebhookEvent,
  type WebhookEvent,
} from './webhook-verification.js';

export const WEBHOOK_PATH = '/webhooks/truto';

/** Truto's account events are a few hundred bytes; anything near this is not one of them. */
const MAX_BODY_BYTES = 64 * 1024;

export interface WebhookSettings {
  secret: string | undefined;
  maxAgeMs: number;
  redis: Redis;
  queuePrefix: string;
}

/**
 * Mounts `POST /webhooks/truto` where a secret is configured. Answers: 401 for a missing or
 * wrong signature, 400 for a body that is not an event, 413 for one over 64 KiB, 422 for an
 * event created outside the accepted window, and 200 for the rest, a repeated delivery
 * included (Truto would otherwise retry it). A failure while acting answers 500 (503 for a
 * deletion while the account syncs) and forgets the delivery, so that Truto's retry acts.
 */
export function mountWebhooks(
  app: Hono,
  settings: WebhookSettings,
  deps: WebhookActionDependencies,
): void {
  const { secret } = settings;
  if (secret === undefined) {
    deps.logger.info('Truto webhooks not served: set TRUTO_WEBHOOK_SECRET to serve them');
    return;
  }
  const deliveries = new WebhookDeliveries(settings.redis, settings.queuePrefix, settings.maxAgeMs);
  const tooLarge = (c: Context) => refuse(c, deps, 413, 'the body is larger than 64 KiB');

  app.post(WEBHOOK_PATH, bodyLimit({ maxSize: MAX_BODY_BYTES, onError: tooLarge }), async (c) => {
    const event = await readVerifiedEvent(c, secret, settings.maxAgeMs, deps);
    if (event instanceof Response) return event;

    if (!(await deliveries.claim(event.id))) {
      deps.logger.info({ deliveryId: event.id, event: event.name }, 'webhook delivery repeated');
      return c.json({ status: 'duplicate' });
    }
    try {
      return c.json({ status: await actOnWebhookEvent(deps, event) });
    } catch (error) {
      await deliveries.release(event.id).catch(() => undefined);
      if (!(error instanceof AccountBusyError)) throw error;
      deps.logger.info({ deliveryId: event.id, event: event.name }, 'webhook event deferred');
      return c.json({ error: 'the account is being synced; deliver the event again' }, 503);
    }
  });
}

const AGE_REASONS = {
  stale: 'the event is older than the accepted window',
  future: 'the event is dated further ahead than the accepted window',
};

/** The event, once signed, well-formed and fresh; otherwise the answer refusing it. */
async function readVerifiedEvent(
  c: Context,
  secret: string,
  maxAgeMs: number,
  deps: WebhookActionDependencies,
): Promise<WebhookEvent | Response> {
  const rawBody = new Uint8Array(await c.req.arrayBuffer());
  if (!hasValidSignature(rawBody, c.req.header('x-truto-signature'), secret)) {
    return refuse(c, deps, 401, 'the signature is missing or wrong');
  }
  const event = parseWebhookEvent(rawBody);
  if (typeof event === 'string') return refuse(c, deps, 400, event);
  const age = freshness(event, maxAgeMs);
  return age === 'fresh' ? event : refuse(c, deps, 422, AGE_REASONS[age]);
}

function refuse(
  c: Context,
  deps: WebhookActionDependencies,
  status: 400 | 401 | 413 | 422,
  reason: string,
): Response {
  deps.logger.info({ status, reason }, 'webhook delivery refused');
  return c.json({ error: reason }, status);
}
