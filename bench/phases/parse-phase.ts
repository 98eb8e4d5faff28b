import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import { jsonParser } from 'stream-json/core/parser.js';
import { LicenseBodyParser } from '../../src/truto/license-body-parser.js';
import { peakRssMb, type PhaseInput, type PhaseResult } from './phase-types.js';

/** Pages of this size are read whole, so that no string nears V8's limit of about 512 MB. */
const PAGE_SIZE = 1_000;
/** The parse limit is a rate; this many licenses measure it well enough. */
const MAX_LICENSES = 100_000;
/** As the client hands a body to its parser. */
const PIECE_BYTES = 16 * 1024;
const LIMITS = { maxChars: 1_000_000, maxDepth: 64 };

/** Milliseconds each reader took over the same pages. */
interface Timings {
  jsonParse: number;
  streamJson: number;
  scanner: number;
  scannerAndParse: number;
}

/**
 * The parse limit, `JSON.parse` of the same bytes with each page held whole, and beside it
 * the streaming readers on the same bytes: stream-json's tokenizer with packed tokens only
 * (its fastest setting, tokens counted and dropped), the product's byte scanner, and the
 * scanner with `JSON.parse` of every record, as a first sync reads. Only parsing is timed.
 */
export async function runParsePhase(input: PhaseInput): Promise<PhaseResult> {
  const timings: Timings = { jsonParse: 0, streamJson: 0, scanner: 0, scannerAndParse: 0 };
  let cursor: string | null = null;
  let bytes = 0;
  let licenses = 0;
  do {
    const text = await fetchPage(input, cursor);
    const page = timePage(text, timings);
    bytes += Buffer.byteLength(text);
    licenses += page.result.length;
    cursor = licenses >= MAX_LICENSES ? null : page.next_cursor;
  } while (cursor);

  const megabytes = bytes / 1e6;
  const rate = (ms: number) => Math.round((megabytes / (ms / 1000)) * 10) / 10;
  return {
    seconds: timings.jsonParse / 1000,
    peakRssMb: peakRssMb(),
    megabytes,
    licenses,
    streamJsonMbPerS: rate(timings.streamJson),
    scannerMbPerS: rate(timings.scanner),
    scannerAndParseMbPerS: rate(timings.scannerAndParse),
  };
}

type Page = { result: unknown[]; next_cursor: string | null };

function timePage(text: string, timings: Timings): Page {
  let started = performance.now();
  const page = JSON.parse(text) as Page;
  timings.jsonParse += performance.now() - started;

  started = performance.now();
  tokenize(text);
  timings.streamJson += performance.now() - started;

  const body = Buffer.from(text);
  started = performance.now();
  scan(body, false);
  timings.scanner += performance.now() - started;

  started = performance.now();
  scan(body, true);
  timings.scannerAndParse += performance.now() - started;
  return page;
}

function tokenize(text: string): number {
  const parser = jsonParser({ streamValues: false, jsonStreaming: true });
  let tokens = 0;
  const count = (output: unknown) => {
    if (isMany(output)) tokens += getManyValues(output).length;
    else if (output !== none) tokens += 1;
  };
  for (let offset = 0; offset < text.length; offset += PIECE_BYTES) {
    count(parser(text.slice(offset, offset + PIECE_BYTES)));
  }
  count(parser(none as unknown as string));
  return tokens;
}

function scan(body: Buffer, parseRecords: boolean): number {
  const parser = new LicenseBodyParser('application/json', LIMITS);
  let records = 0;
  for (let offset = 0; offset < body.length; offset += PIECE_BYTES) {
    for (const record of parser.push(body.subarray(offset, offset + PIECE_BYTES))) {
      if (parseRecords && record.kind === 'record') JSON.parse(record.bytes.toString('utf8'));
      records += 1;
    }
  }
  return records + parser.end().records.length;
}

async function fetchPage(input: PhaseInput, cursor: string | null): Promise<string> {
  const url = new URL('/unified/user-directory/licenses', input.standInUrl);
  url.searchParams.set('integrated_account_id', input.accountId);
  url.searchParams.set('limit', String(PAGE_SIZE));
  if (cursor) url.searchParams.set('next_cursor', cursor);
  const response = await fetch(url, { headers: { authorization: `Bearer ${input.token}` } });
  return response.text();
}
