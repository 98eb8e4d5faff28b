import { ByteCapture } from './byte-capture.js';
import { JsonScanner, type ScanHandler } from './json-scanner.js';
import type { ListedRecord, RecordLimits } from './listed-record.js';
import { readTopLevelId } from './record-id.js';

export type Framing = 'page' | 'array' | 'ndjson';

export interface BodySummary {
  framing: Framing;
  /** `null` at the end of the listing, and always for bodies that carry no cursor. */
  nextCursor: string | null;
  isPartialResponse: boolean;
}

/** The body is not JSON of any framing a listing can take, or it ended too early. */
export class BodyFormatError extends Error {
  override name = 'BodyFormatError';
}

/** Keys of the page object: an object that opens with one of them is a page, not a record. */
const PAGE_KEYS = new Set([
  'result',
  'next_cursor',
  'prev_cursor',
  'result_count',
  'is_partial_response',
]);

const NDJSON_TYPES = /\b(x-ndjson|ndjson|jsonl|x-jsonlines|json-seq)\b/i;
const EMPTY = Buffer.alloc(0);
/** Not a depth: no records are being read. */
const NO_RECORDS = -1;

/** What the bytes being kept belong to. */
type Capturing = 'nothing' | 'record' | 'page-key' | 'page-value';

/**
 * Reads a licenses response body of any framing Truto may send — the page object (its cursor
 * before or after the records), a bare array, or newline-delimited JSON — piece by piece,
 * never holding more than one record. Records come out as their JSON bytes, checked in
 * structure but not parsed: see `ListedRecord`. Call `push` for each piece and `end` once.
 *
 * Note: this replaced stream-json's tokenizer, which built a token object for every value;
 * the README's Benchmark section has the two measured side by side on the same bytes.
 */
export class LicenseBodyParser implements ScanHandler {
  readonly #scanner = new JsonScanner(this);
  readonly #capture = new ByteCapture();
  readonly #limits: RecordLimits;
  readonly #forcedNdjson: boolean;

  #piece: Buffer = EMPTY;
  #framing: Framing | null = null;
  /** A top-level object whose first key has not yet said whether it is a page or a record. */
  #undecided = false;
  /** The depth of the records being read: 0 for NDJSON, 1 in a bare array, 2 in a page. */
  #recordDepth = NO_RECORDS;
  #capturing: Capturing = 'nothing';
  #idKeyOffsets: number[] = [];
  #keyStartOffset = 0;
  #tooDeep = false;
  #pageKey: string | null = null;
  #nextCursor: string | null = null;
  #isPartial = false;
  #out: ListedRecord[] = [];

  constructor(contentType: string | undefined, limits: RecordLimits) {
    this.#limits = limits;
    this.#forcedNdjson = NDJSON_TYPES.test(contentType ?? '');
  }

  /** The framing the body has shown so far; `null` before its first value. */
  get framing(): Framing | null {
    return this.#framing;
  }

  /** Reads one piece of the body; returns the records it completed. */
  push(piece: Buffer): ListedRecord[] {
    this.#piece = piece;
    try {
      this.#scanner.scan(piece);
    } catch (error) {
      throw asFormatError(error, 'the response body is not valid JSON');
    }
    this.#capture.endPiece(piece);
    this.#piece = EMPTY;
    return this.#drain();
  }

  /** Ends the body: returns the last records and what the body said about paging. */
  end(): { records: ListedRecord[]; summary: BodySummary } {
    try {
      this.#scanner.end();
    } catch (error) {
      throw asFormatError(error, 'the response body ended before the listing did');
    }
    if (this.#framing === null && !this.#forcedNdjson) {
      throw new BodyFormatError('the response body is empty');
    }
    const framing = this.#framing ?? 'ndjson';
    return {
      records: this.#drain(),
      summary: { framing, nextCursor: this.#nextCursor, isPartialResponse: this.#isPartial },
    };
  }

  valueStart(depth: number, at: number): void {
    if (depth === 0) this.#topLevelValue(at);
    else if (depth === this.#recordDepth) this.#beginRecord(at);
    else if (this.#capturing === 'record') this.#nestedValue(depth, at);
    else if (depth === 1 && this.#framing === 'page') this.#pageValue(at);
  }

  valueEnd(depth: number, end: number): void {
    if (depth === 0 && this.#undecided) {
      // `{}`: an empty page, with no records and no cursor.
      this.#becomePage(null);
    } else if (this.#capturing === 'record' && depth === this.#recordDepth) {
      this.#endRecord(end);
    } else if (depth === 1 && this.#framing === 'page') {
      this.#endPageValue(end);
    } else if (depth === 0 && this.#framing === 'array') {
      this.#recordDepth = NO_RECORDS;
    }
  }

  keyStart(depth: number, at: number): void {
    if (this.#capturing === 'record' && depth === this.#recordDepth + 1) {
      this.#keyStartOffset = this.#capture.offsetOf(at);
    } else if (depth === 1 && this.#framing === 'page') {
      this.#capture.begin(at, this.#limits.maxChars);
      this.#capturing = 'page-key';
    }
  }

  keyEnd(depth: number, end: number): void {
    if (this.#capturing === 'record' && depth === this.#recordDepth + 1) {
      const offset = this.#keyStartOffset;
      if (this.#undecided && this.#decideByFirstKey(offset, end) === 'page') return;
      // A key of two characters may be `id`: which one is read when the record is whole.
      if (this.#capture.offsetOf(end) - offset === 4) this.#idKeyOffsets.push(offset);
    } else if (this.#capturing === 'page-key') {
      const key = parseCaptured(this.#capture.finish(this.#piece, end), 'a page key');
      this.#pageKey = typeof key === 'string' ? key : null;
      this.#capturing = 'nothing';
    }
  }

  #topLevelValue(at: number): void {
    if (this.#framing === 'page' || this.#framing === 'array') {
      throw new BodyFormatError('the response body has content after the page object');
    }
    const byte = this.#piece[at];
    if (this.#framing === null && !this.#forcedNdjson && byte === 0x5b) {
      this.#framing = 'array';
      this.#recordDepth = 1;
      return;
    }
    this.#undecided = this.#framing === null && !this.#forcedNdjson && byte === 0x7b;
    if (!this.#undecided) this.#framing = 'ndjson';
    this.#recordDepth = 0;
    this.#beginRecord(at);
  }

  #decideByFirstKey(offset: number, end: number): Framing {
    this.#undecided = false;
    const bytes = this.#capture.peek(this.#piece, end).subarray(offset);
    const key = parseCaptured(bytes, 'a key');
    if (typeof key === 'string' && PAGE_KEYS.has(key)) {
      this.#becomePage(key);
      return 'page';
    }
    this.#framing = 'ndjson';
    return 'ndjson';
  }

  #becomePage(firstKey: string | null): void {
    this.#undecided = false;
    this.#framing = 'page';
    this.#recordDepth = NO_RECORDS;
    this.#capturing = 'nothing';
    this.#capture.cancel();
    this.#pageKey = firstKey;
  }

  #pageValue(at: number): void {
    const key = this.#pageKey;
    if (key === 'result' && this.#piece[at] === 0x5b) {
      this.#recordDepth = 2;
    } else if (key === 'next_cursor' || key === 'is_partial_response') {
      this.#capture.begin(at, this.#limits.maxChars);
      this.#capturing = 'page-value';
    }
  }

  #endPageValue(end: number): void {
    if (this.#recordDepth === 2) {
      this.#recordDepth = NO_RECORDS;
      return;
    }
    if (this.#capturing !== 'page-value') return;
    this.#capturing = 'nothing';
    const bytes = this.#capture.finish(this.#piece, end);
    const value = parseCaptured(bytes, 'a page value');
    if (this.#pageKey === 'next_cursor') this.#nextCursor = cursorFrom(value, bytes);
    else this.#isPartial = value === true;
  }

  #beginRecord(at: number): void {
    this.#capture.begin(at, this.#limits.maxChars);
    this.#capturing = 'record';
    this.#idKeyOffsets = [];
    this.#tooDeep = false;
  }

  #nestedValue(depth: number, at: number): void {
    const byte = this.#piece[at];
    const isContainer = byte === 0x7b || byte === 0x5b;
    if (isContainer && depth - this.#recordDepth + 1 > this.#limits.maxDepth) this.#tooDeep = true;
  }

  #endRecord(end: number): void {
    this.#capturing = 'nothing';
    const bytes = this.#capture.finish(this.#piece, end);
    const licenseId = readTopLevelId(bytes, this.#idKeyOffsets);
    this.#out.push(this.#recordOf(bytes, licenseId));
  }

  #recordOf(bytes: Buffer, licenseId: string | null): ListedRecord {
    const { maxChars, maxDepth } = this.#limits;
    if (this.#tooDeep) {
      return {
        kind: 'oversized',
        licenseId,
        reason: `record is nested deeper than ${maxDepth} levels`,
      };
    }
    if (this.#capture.overflowed) {
      const reason = `record is larger than the limit of ${maxChars} characters`;
      return { kind: 'oversized', licenseId, reason };
    }
    return { kind: 'record', bytes, licenseId };
  }

  #drain(): ListedRecord[] {
    const out = this.#out;
    if (out.length > 0) this.#out = [];
    return out;
  }
}

/** A small value of the page object, or a key, parsed; its strings are copies. */
function parseCaptured(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    throw new BodyFormatError(`the response body has ${what} that is not valid JSON`, {
      cause: error,
    });
  }
}

/**
 * The cursor: a string, or a number kept as its digits (a number past 2^53 would lose some);
 * empty, null or anything else ends the listing.
 */
function cursorFrom(value: unknown, bytes: Buffer): string | null {
  if (typeof value === 'number') return bytes.toString('latin1').trim();
  if (typeof value !== 'string' || value === '') return null;
  return value;
}

function asFormatError(error: unknown, message: string): unknown {
  if (error instanceof BodyFormatError) return error;
  if (error instanceof SyntaxError) return new BodyFormatError(message, { cause: error });
  return error;
}
