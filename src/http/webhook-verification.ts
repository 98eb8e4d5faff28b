import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Whether `x-truto-signature` (`format=sha256,v=<hex>`) holds the HMAC-SHA256 of the raw
 * body keyed with the secret. Compared in constant time: an attacker learns nothing from
 * how long a wrong signature takes to refuse.
 */
export function hasValidSignature(
  rawBody: Uint8Array,
  header: string | undefined,
  secret: string,
): boolean {
  if (header === undefined) return false;
  const fields = new Map(
    header.split(',').map((part) => {
      const [name = '', ...value] = part.trim().split('=');
      return [name, value.join('=')] as const;
    }),
  );
  const given = fields.get('v');
  if (fields.get('format') !== 'sha256' || given === undefined || !/^[0-9a-f]+$/i.test(given)) {
    return false;
  }
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const received = Buffer.from(given, 'hex');
  return received.length === expected.length && timingSafeEqual(received, expected);
}

const eventSchema = z
  .object({
    id: z.union([z.string().min(1).max(200), z.number().int()]).transform(String),
    // Truto's pages name the field either way.
    event: z.string().min(1).optional(),
    event_type: z.string().min(1).optional(),
    payload: z.record(z.string(), z.unknown()).default({}),
    created_at: z.union([z.string(), z.number()]).transform((value, context) => {
      const time = new Date(value).getTime();
      if (Number.isNaN(time)) {
        context.addIssue({ code: 'custom', message: 'is not a time' });
        return z.NEVER;
      }
      return time;
    }),
  })
  .refine((body) => body.event !== undefined || body.event_type !== undefined, {
    error: 'has neither event nor event_type',
  });

export interface WebhookEvent {
  /** The delivery's id; Truto's retries of one delivery repeat it. */
  id: string;
  /** e.g. `integrated_account:active`. */
  name: string;
  payload: Record<string, unknown>;
  /** When Truto created the event, in epoch milliseconds. */
  createdAt: number;
}

/** Reads a verified body, or returns a sentence saying what is wrong with it. */
export function parseWebhookEvent(rawBody: Uint8Array): WebhookEvent | string {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(rawBody).toString('utf8'));
  } catch {
    return 'the body is not JSON';
  }
  const parsed = eventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return `the event ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is malformed'}`.trim();
  }
  const { id, event, event_type, payload, created_at } = parsed.data;
  return { id, name: event ?? event_type ?? '', payload, createdAt: created_at };
}

/**
 * Whether the event was created within `maxAgeMs` of now, either way: an old one may be a
 * replay whose id was forgotten, and one from the future may be kept for later replay.
 */
export function freshness(
  event: WebhookEvent,
  maxAgeMs: number,
  now = Date.now(),
): 'fresh' | 'stale' | 'future' {
  if (event.createdAt < now - maxAgeMs) return 'stale';
  if (event.createdAt > now + maxAgeMs) return 'future';
  return 'fresh';
}
