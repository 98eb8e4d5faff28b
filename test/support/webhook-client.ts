import { createHmac, randomUUID } from 'node:crypto';

export interface TrutoEvent {
  id: string;
  event: string;
  payload: Record<string, unknown>;
  environment_id: string;
  webhook_id: string;
  created_at: string;
}

/** An event as Truto would send it now, about `accountId`. */
export function trutoEvent(name: string, accountId: string, createdAt = new Date()): TrutoEvent {
  return {
    id: randomUUID(),
    event: `integrated_account:${name}`,
    payload: { id: accountId, integration: { name: 'zoom', category: 'user-directory' } },
    environment_id: 'env-test',
    webhook_id: 'webhook-test',
    created_at: createdAt.toISOString(),
  };
}

/** The `x-truto-signature` header for a raw body. */
export function signature(body: string | Buffer, secret: string): string {
  return `format=sha256,v=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs a body to the worker's webhook endpoint, signed with `secret` unless told otherwise. */
export async function deliver(
  baseUrl: string,
  body: unknown,
  secret: string,
  header?: string,
): Promise<{ status: number; text: string }> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const response = await fetch(`${baseUrl}/webhooks/truto`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-truto-signature': header ?? signature(raw, secret),
    },
    body: raw,
  });
  return { status: response.status, text: await response.text() };
}
