import { JSON_TYPE, NDJSON_TYPE, streamedReply, type Reply } from './reply.js';

/**
 * How a listing is framed on the wire. Truto does not document the framing of
 * `truto_response_format=stream`, so the stand-in serves every reading of it:
 * - `page`: the usual page object, `result` first and the cursor after it;
 * - `page-cursor-first`: the same object with the cursor and the other scalars first;
 * - `array`: a bare JSON array of every record of the account, no cursor;
 * - `ndjson`: every record of the account, one JSON text a line, no cursor.
 */
export type Framing = 'page' | 'page-cursor-first' | 'array' | 'ndjson';

/**
 * A page object around `records` (JSON texts), with `scalars` before or after the array.
 * The object's keys keep the order given, as they travel on the wire.
 */
export function pageReply(
  arrayKey: string,
  records: Iterable<string>,
  scalars: Record<string, unknown>,
  scalarsFirst: boolean,
): Reply {
  const scalarText = Object.entries(scalars)
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`)
    .join(',');
  const open = `${JSON.stringify(arrayKey)}:[`;

  return scalarsFirst
    ? streamedReply(JSON_TYPE, `{${scalarText},${open}`, separated(records, ','), ']}')
    : streamedReply(JSON_TYPE, `{${open}`, separated(records, ','), `],${scalarText}}`);
}

export function arrayReply(records: Iterable<string>): Reply {
  return streamedReply(JSON_TYPE, '[', separated(records, ','), ']');
}

export function ndjsonReply(records: Iterable<string>): Reply {
  return streamedReply(NDJSON_TYPE, '', terminated(records, '\n'), '');
}

function* separated(records: Iterable<string>, separator: string): Generator<string> {
  let first = true;
  for (const record of records) {
    yield first ? record : separator + record;
    first = false;
  }
}

function* terminated(records: Iterable<string>, terminator: string): Generator<string> {
  for (const record of records) {
    yield record + terminator;
  }
}
