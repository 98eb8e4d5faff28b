import type { Token } from 'stream-json/core/parser.js';

export interface RecordLimits {
  /** Approximate JSON length past which a record is dropped instead of assembled. */
  maxChars: number;
  /** Nesting past which a record is dropped; the record itself is depth 1. */
  maxDepth: number;
}

export type BuiltRecord =
  | { kind: 'record'; value: unknown }
  | { kind: 'oversized'; licenseId: string | null; reason: string };

type Container = unknown[] | Record<string, unknown>;

/**
 * Assembles one record from parser tokens, like `JSON.parse` would, but stops keeping what
 * it reads once the record grows past the limits: a 10 MB string or a record nested 10,000
 * deep then costs no more memory than the parser's own buffer, and is reported instead of
 * stored. It still follows the nesting to the record's end, and picks up the top-level `id`
 * so that the rejection can name the record.
 */
export class RecordBuilder {
  readonly #limits: RecordLimits;
  #stack: Container[] = [];
  #keys: (string | null)[] = [];
  #key: string | null = null;
  #depth = 0;
  #chars = 0;
  #overflow: string | null = null;
  #topLevelId: string | null = null;
  #done: BuiltRecord | null = null;

  constructor(limits: RecordLimits) {
    this.#limits = limits;
  }

  /** Feeds one token of the record; returns the record once its last token is in. */
  consume(token: Token): BuiltRecord | null {
    switch (token.name) {
      case 'startObject':
        this.#open({});
        break;
      case 'startArray':
        this.#open([]);
        break;
      case 'endObject':
      case 'endArray':
        this.#close();
        break;
      case 'keyValue':
        this.#key = token.value;
        this.#count(token.value.length + 3);
        break;
      case 'stringValue':
        this.#count(token.value.length + 2);
        this.#save(token.value);
        break;
      case 'numberValue':
        this.#count(token.value.length);
        this.#save(Number(token.value));
        break;
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        this.#count(5);
        this.#save(token.value);
        break;
      default:
        // Streamed chunks and whitespace are not produced with packed, unstreamed values.
        break;
    }
    return this.#takeDone();
  }

  #open(container: Container): void {
    this.#depth += 1;
    if (this.#depth > this.#limits.maxDepth && this.#overflow === null) {
      this.#overflow = `record is nested deeper than ${this.#limits.maxDepth} levels`;
      this.#dropContents();
    }
    if (this.#overflow !== null) return;
    this.#stack.push(container);
    this.#keys.push(this.#key);
    this.#key = null;
  }

  #close(): void {
    this.#depth -= 1;
    if (this.#overflow !== null) {
      if (this.#depth === 0) this.#finish();
      return;
    }
    const finished = this.#stack.pop();
    this.#key = this.#keys.pop() ?? null;
    this.#save(finished);
  }

  #save(value: unknown): void {
    if (this.#depth === 1 && this.#key === 'id') this.#noteId(value);
    if (this.#overflow !== null) {
      if (this.#depth === 0) this.#finish();
      return;
    }
    const parent = this.#stack.at(-1);
    if (parent === undefined) {
      this.#done = { kind: 'record', value };
      this.#reset();
    } else if (Array.isArray(parent)) {
      parent.push(value);
    } else if (this.#key !== null) {
      parent[this.#key] = value;
    }
  }

  #count(chars: number): void {
    this.#chars += chars;
    if (this.#chars > this.#limits.maxChars && this.#overflow === null) {
      this.#overflow = `record is larger than the limit of ${this.#limits.maxChars} characters`;
      this.#dropContents();
    }
  }

  #noteId(value: unknown): void {
    if (typeof value === 'string' || typeof value === 'number') {
      this.#topLevelId = String(value).slice(0, 512);
    }
  }

  #dropContents(): void {
    this.#stack = [];
    this.#keys = [];
  }

  #finish(): void {
    const reason = this.#overflow ?? 'record could not be read';
    this.#done = { kind: 'oversized', licenseId: this.#topLevelId, reason };
    this.#reset();
  }

  #reset(): void {
    this.#stack = [];
    this.#keys = [];
    this.#key = null;
    this.#depth = 0;
    this.#chars = 0;
    this.#overflow = null;
    this.#topLevelId = null;
  }

  #takeDone(): BuiltRecord | null {
    const done = this.#done;
    this.#done = null;
    return done;
  }
}
