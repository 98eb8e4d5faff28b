import { StringDecoder } from 'node:string_decoder';
import { jsonParser, type Token } from 'stream-json/core/parser.js';
import { getManyValues, isMany, none } from 'stream-chain/defs.js';
import { RecordBuilder, type BuiltRecord, type RecordLimits } from './record-builder.js';

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

type State =
  | 'start'
  | 'pending-object' // a top-level object began; its first key says what it is
  | 'page-key' // inside the page object, expecting a key or its end
  | 'page-value' // inside the page object, a key was read
  | 'records' // inside an array of records
  | 'record' // inside one record
  | 'skip' // inside a page value that is not kept
  | 'after-page';

/**
 * Reads a licenses response body of any framing Truto may send — the page object (its cursor
 * before or after the records), a bare array, or newline-delimited JSON — chunk by chunk,
 * never holding more than one record. Call `push` for each chunk and `end` once.
 */
export class LicenseBodyParser {
  readonly #tokenize = jsonParser({ streamValues: false, jsonStreaming: true });
  readonly #decoder = new StringDecoder('utf8');
  readonly #builder: RecordBuilder;
  readonly #forcedNdjson: boolean;

  #state: State = 'start';
  #framing: Framing | null = null;
  #recordsReturnState: State = 'start';
  #returnAfterRecord: State = 'start';
  #skipDepth = 0;
  #pageKey: string | null = null;
  #nextCursor: string | null = null;
  #isPartial = false;
  #out: BuiltRecord[] = [];

  constructor(contentType: string | undefined, limits: RecordLimits) {
    this.#builder = new RecordBuilder(limits);
    this.#forcedNdjson = NDJSON_TYPES.test(contentType ?? '');
  }

  /** The framing the body has shown so far; `null` before its first value. */
  get framing(): Framing | null {
    return this.#framing;
  }

  /** Parses one chunk of the body; returns the records it completed. */
  push(chunk: Buffer): BuiltRecord[] {
    this.#feed(this.#decoder.write(chunk));
    return this.#drain();
  }

  /** Ends the body: returns the last records and what the body said about paging. */
  end(): { records: BuiltRecord[]; summary: BodySummary } {
    this.#feed(this.#decoder.end());
    this.#flushTokenizer();
    this.#assertComplete();
    const framing = this.#framing ?? (this.#forcedNdjson ? 'ndjson' : 'page');
    return {
      records: this.#drain(),
      summary: { framing, nextCursor: this.#nextCursor, isPartialResponse: this.#isPartial },
    };
  }

  #feed(text: string): void {
    if (text.length === 0) return;
    let tokens: unknown;
    try {
      tokens = this.#tokenize(text);
    } catch (error) {
      throw new BodyFormatError('the response body is not valid JSON', { cause: error });
    }
    this.#consumeAll(tokens);
  }

  #flushTokenizer(): void {
    try {
      this.#consumeAll(this.#tokenize(none as unknown as string));
    } catch (error) {
      throw new BodyFormatError('the response body ended in the middle of a value', {
        cause: error,
      });
    }
  }

  #consumeAll(tokens: unknown): void {
    if (isMany(tokens)) {
      for (const token of getManyValues(tokens) as Token[]) this.#consume(token);
    } else if (tokens !== none) {
      this.#consume(tokens as Token);
    }
  }

  #consume(token: Token): void {
    switch (this.#state) {
      case 'start':
        this.#atTopLevel(token);
        break;
      case 'pending-object':
        this.#decideObject(token);
        break;
      case 'page-key':
        this.#atPageKey(token);
        break;
      case 'page-value':
        this.#atPageValue(token);
        break;
      case 'records':
        this.#atRecords(token);
        break;
      case 'record':
        this.#inRecord(token);
        break;
      case 'skip':
        this.#skipping(token);
        break;
      case 'after-page':
        throw new BodyFormatError('the response body has content after the page object');
    }
  }

  #atTopLevel(token: Token): void {
    if (this.#framing === 'ndjson' || this.#framing === null) {
      if (token.name === 'startObject' && !this.#forcedNdjson && this.#framing === null) {
        this.#state = 'pending-object';
        return;
      }
      if (token.name === 'startArray' && this.#framing === null && !this.#forcedNdjson) {
        this.#framing = 'array';
        this.#enterRecords('after-page');
        return;
      }
      this.#framing = 'ndjson';
      this.#startRecord(token, 'start');
      return;
    }
    throw new BodyFormatError('the response body has content after the page object');
  }

  #decideObject(token: Token): void {
    if (token.name === 'keyValue' && PAGE_KEYS.has(token.value)) {
      this.#framing = 'page';
      this.#state = 'page-key';
      this.#atPageKey(token);
      return;
    }
    if (token.name === 'endObject') {
      // `{}`: an empty page, with no records and no cursor.
      this.#framing = 'page';
      this.#state = 'after-page';
      return;
    }
    this.#framing = 'ndjson';
    this.#startRecord({ name: 'startObject' }, 'start');
    this.#inRecord(token);
  }

  #atPageKey(token: Token): void {
    if (token.name === 'endObject') {
      this.#state = 'after-page';
      return;
    }
    if (token.name === 'keyValue') {
      this.#pageKey = token.value;
      this.#state = 'page-value';
    }
  }

  #atPageValue(token: Token): void {
    const key = this.#pageKey;
    this.#state = 'page-key';
    if (key === 'result' && token.name === 'startArray') {
      this.#enterRecords('page-key');
    } else if (key === 'next_cursor') {
      this.#nextCursor = cursorFrom(token);
    } else if (key === 'is_partial_response') {
      this.#isPartial = token.name === 'trueValue';
    } else if (token.name === 'startObject' || token.name === 'startArray') {
      this.#skipDepth = 1;
      this.#state = 'skip';
    }
  }

  #enterRecords(returnState: State): void {
    this.#recordsReturnState = returnState;
    this.#state = 'records';
  }

  #atRecords(token: Token): void {
    if (token.name === 'endArray') {
      this.#state = this.#recordsReturnState;
      return;
    }
    this.#startRecord(token, 'records');
  }

  #startRecord(token: Token, returnState: State): void {
    this.#state = 'record';
    this.#returnAfterRecord = returnState;
    this.#inRecord(token);
  }

  #inRecord(token: Token): void {
    const built = this.#builder.consume(token);
    if (built === null) return;
    this.#out.push(built);
    this.#state = this.#returnAfterRecord;
  }

  #skipping(token: Token): void {
    if (token.name === 'startObject' || token.name === 'startArray') this.#skipDepth += 1;
    if (token.name === 'endObject' || token.name === 'endArray') this.#skipDepth -= 1;
    if (this.#skipDepth === 0) this.#state = 'page-key';
  }

  #assertComplete(): void {
    const complete = this.#state === 'start' || this.#state === 'after-page';
    if (!complete) throw new BodyFormatError('the response body ended before the listing did');
    if (this.#framing === null && !this.#forcedNdjson) {
      throw new BodyFormatError('the response body is empty');
    }
  }

  #drain(): BuiltRecord[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}

/**
 * The cursor outlives the page (a sync keeps every cursor of its listing), so it is copied
 * out of the body's text: a token's value can be a slice of the decoded chunk it came in, and
 * would keep that whole chunk, tens of kilobytes, alive for as long as the sync runs.
 */
function cursorFrom(token: Token): string | null {
  if (token.name !== 'stringValue' && token.name !== 'numberValue') return null;
  if (token.value === '') return null;
  return Buffer.from(token.value, 'utf8').toString('utf8');
}
