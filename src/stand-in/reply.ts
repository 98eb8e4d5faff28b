import { STATUS_CODES } from 'node:http';

/**
 * A response before it is sent: status, headers and a body in three parts, so that a listing
 * can be written record by record and a fault can cut it after any record.
 */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** Written first: the page object's opening, or the whole body of a small reply. */
  head: string;
  /** The records, each carrying its own separator; may be endless. */
  items: Iterable<string>;
  tail: string;
  /** Sent chunked, item by item; small replies go out whole with a Content-Length. */
  streamed: boolean;
}

export const JSON_TYPE = 'application/json';
export const NDJSON_TYPE = 'application/x-ndjson';

export function jsonReply(status: number, value: unknown, headers = {}): Reply {
  return {
    status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    head: JSON.stringify(value),
    items: [],
    tail: '',
    streamed: false,
  };
}

export function streamedReply(
  contentType: string,
  head: string,
  items: Iterable<string>,
  tail: string,
): Reply {
  return {
    status: 200,
    headers: { 'content-type': contentType },
    head,
    items,
    tail,
    streamed: true,
  };
}

/**
 * Truto's error body: `statusCode`, `error`, `message`, plus whatever `extra` adds
 * (`truto_is_remote_error`, `raw_response`, `truto_error_insight`).
 */
export function errorReply(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Reply {
  const body = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message, ...extra };
  return jsonReply(status, body, headers);
}

/** Extra error fields for an error the vendor, not Truto, answered. */
export function remoteErrorFields(message: string): Record<string, unknown> {
  return { truto_is_remote_error: true, raw_response: { error: { message } } };
}

/** Thrown by a route that refuses the request; the server sends its `reply`. */
export class Rejection extends Error {
  override name = 'Rejection';

  constructor(readonly reply: Reply) {
    super(reply.head);
  }
}

export function rejection(
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): Rejection {
  return new Rejection(errorReply(status, message, extra));
}

/** A 200 whose body is JSON text made elsewhere, such as one rendered record. */
export function jsonTextReply(text: string): Reply {
  return { ...streamedReply(JSON_TYPE, text, [], ''), streamed: false };
}
