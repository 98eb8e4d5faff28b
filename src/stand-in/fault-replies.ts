import type { Fault } from './faults.js';
import { errorReply, JSON_TYPE, remoteErrorFields, streamedReply, type Reply } from './reply.js';

/** Faults that replace the whole response, whatever was asked. */
export type ReplacingFault = Extract<
  Fault,
  {
    kind:
      | 'rate-limit'
      | 'status'
      | 'vendor-unauthorized'
      | 'blocked'
      | 'expired-cursor'
      | 'invalid-json'
      | 'wrong-content-type';
  }
>;

/** Faults that change what a listing says, not how it travels. */
export type ListingFault = Extract<Fault, { kind: 'repeat-cursor' | 'partial' | 'endless' }>;

/** Faults that change how the response travels: late, slow, cut or hanging. */
export type DeliveryFault = Extract<
  Fault,
  { kind: 'truncate' | 'stall' | 'slow-headers' | 'trickle' }
>;

export function isReplacingFault(fault: Fault): fault is ReplacingFault {
  return [
    'rate-limit',
    'status',
    'vendor-unauthorized',
    'blocked',
    'expired-cursor',
    'invalid-json',
    'wrong-content-type',
  ].includes(fault.kind);
}

export function isListingFault(fault: Fault): fault is ListingFault {
  return ['repeat-cursor', 'partial', 'endless'].includes(fault.kind);
}

export function faultReply(fault: ReplacingFault): Reply {
  switch (fault.kind) {
    case 'rate-limit':
      return rateLimitReply(fault);
    case 'status':
      return errorReply(
        fault.status,
        fault.message ?? `Stand-in fault: status ${fault.status}`,
        fault.remote === true ? remoteErrorFields(fault.message ?? '') : {},
      );
    case 'vendor-unauthorized':
      return errorReply(
        401,
        'The vendor rejected the integrated account credentials',
        remoteErrorFields('invalid_grant: refresh token expired'),
      );
    case 'blocked':
      return errorReply(503, 'The integrated account is blocked');
    case 'expired-cursor':
      return errorReply(
        400,
        'The next_cursor has expired; start the listing from the first page',
        remoteErrorFields('pagination token expired'),
      );
    case 'invalid-json':
      return invalidJsonReply();
    case 'wrong-content-type':
      return { ...streamedReply('text/html; charset=utf-8', WRONG_PAGE, [], ''), streamed: false };
  }
}

const WRONG_PAGE =
  '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>';

/**
 * 429 with exactly the delay headers the fault names. A vendor limit (ratelimit-reset) is
 * marked remote; Truto's own is not.
 */
function rateLimitReply(fault: Extract<Fault, { kind: 'rate-limit' }>): Reply {
  const headers: Record<string, string> = {};

  if (fault.retryAfterDate === true) {
    // Round up to the next whole second: an HTTP date cannot say less, and rounding down
    // would ask the client to wait less than the fault means.
    const at = Math.ceil((Date.now() + (fault.retryAfterSeconds ?? 0) * 1000) / 1000) * 1000;
    headers['retry-after'] = new Date(at).toUTCString();
  } else if (fault.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(fault.retryAfterSeconds);
  }

  const vendor = fault.ratelimitResetSeconds !== undefined;
  if (vendor) {
    headers['ratelimit-limit'] = '50';
    headers['ratelimit-remaining'] = '0';
    headers['ratelimit-reset'] = String(fault.ratelimitResetSeconds);
  }

  const extra = vendor ? remoteErrorFields('Rate limit exceeded') : {};
  return errorReply(429, 'Too many requests', extra, headers);
}

/**
 * A 200 JSON body that breaks partway (a trailing comma inside a record) and then ends as
 * if nothing was wrong, so only parsing, not the transport, can notice.
 */
function invalidJsonReply(): Reply {
  const body = '{"result":[{"id":"lic-0","name":"broken",},{"id":"lic-1"}],"next_cursor":null}';
  return { ...streamedReply(JSON_TYPE, body, [], ''), streamed: false };
}
