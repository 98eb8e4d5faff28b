import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { freshness, hasValidSignature, parseWebhookEvent } from './webhook-verification.js';

const SECRET = 'a-webhook-secret-of-some-length';
const body = Buffer.from('{"id":"1","event":"integrated_account:active"}');
const hex = (secret: string, data: Buffer) =>
  createHmac('sha256', secret).update(data).digest('hex');

describe('hasValidSignature', () => {
  it('accepts the HMAC-SHA256 of the raw body in either case of hex', () => {
    expect(hasValidSignature(body, `format=sha256,v=${hex(SECRET, body)}`, SECRET)).toBe(true);
    const upper = hex(SECRET, body).toUpperCase();
    expect(hasValidSignature(body, `format=sha256, v=${upper}`, SECRET)).toBe(true);
  });

  it('refuses another secret, another body, another format and a cut or missing header', () => {
    const good = hex(SECRET, body);
    expect(hasValidSignature(body, `format=sha256,v=${hex('other', body)}`, SECRET)).toBe(false);
    const reformatted = Buffer.from(`${body.toString()} `);
    expect(hasValidSignature(reformatted, `format=sha256,v=${good}`, SECRET)).toBe(false);
    expect(hasValidSignature(body, `format=sha1,v=${good}`, SECRET)).toBe(false);
    expect(hasValidSignature(body, `v=${good}`, SECRET)).toBe(false);
    expect(hasValidSignature(body, `format=sha256,v=${good.slice(0, 40)}`, SECRET)).toBe(false);
    expect(hasValidSignature(body, 'format=sha256,v=not-hex', SECRET)).toBe(false);
    expect(hasValidSignature(body, undefined, SECRET)).toBe(false);
  });
});

describe('parseWebhookEvent', () => {
  const parse = (value: unknown) => parseWebhookEvent(Buffer.from(JSON.stringify(value)));
  const base = { id: 'd-1', payload: { id: 'acct' }, created_at: '2026-12-03T10:00:00Z' };

  it('reads the event name from event or from event_type', () => {
    const expected = {
      id: 'd-1',
      name: 'integrated_account:deleted',
      payload: { id: 'acct' },
      createdAt: Date.parse('2026-12-03T10:00:00Z'),
    };
    expect(parse({ ...base, event: 'integrated_account:deleted' })).toEqual(expected);
    expect(parse({ ...base, event_type: 'integrated_account:deleted' })).toEqual(expected);
  });

  it('says what is wrong with a body that is not an event', () => {
    expect(parseWebhookEvent(Buffer.from('nope'))).toBe('the body is not JSON');
    expect(parse({ ...base })).toMatch(/neither event nor event_type/);
    expect(parse({ ...base, event: 'x', created_at: 'soon' })).toMatch(/created_at is not a time/);
    expect(parse({ event: 'x', created_at: base.created_at })).toMatch(/^the event id/);
  });
});

describe('freshness', () => {
  const now = Date.parse('2026-12-03T10:00:00Z');
  const at = (offsetMs: number) => ({ id: '1', name: 'x', payload: {}, createdAt: now + offsetMs });

  it('accepts events within the window either way and refuses the rest', () => {
    expect(freshness(at(-300_000), 300_000, now)).toBe('fresh');
    expect(freshness(at(300_000), 300_000, now)).toBe('fresh');
    expect(freshness(at(-300_001), 300_000, now)).toBe('stale');
    expect(freshness(at(300_001), 300_000, now)).toBe('future');
  });
});
